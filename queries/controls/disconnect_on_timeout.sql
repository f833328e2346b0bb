-- title: Sessions end at the timeout
-- answers: Does every endpoint disconnect a session when its timeout is
--          reached, instead of letting the client reconnect silently?
-- id: disconnect_on_timeout
-- severity: medium
-- fix: aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ID --disconnect-on-session-timeout
-- tags: session

-- An endpoint that does not report the setting has AWS's default: on
-- (documented for disconnectOnSessionTimeout in CreateClientVpnEndpoint).
SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN coalesce(e.disconnectOnSessionTimeout, 1) THEN 'ok'
            ELSE 'alarm' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted')
              THEN printf('%s is %s', e.description, e.status->>'code')
            WHEN coalesce(e.disconnectOnSessionTimeout, 1)
              THEN printf('%s disconnects sessions at the timeout', e.description)
            ELSE printf('%s lets clients reconnect when the session times out', e.description) END AS reason
FROM client_vpn_endpoints AS e
ORDER BY e.accountId, e.region, resource;
