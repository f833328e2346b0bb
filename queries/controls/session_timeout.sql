-- title: Sessions time out within N hours
-- answers: Does every endpoint end sessions after at most :max_hours hours
--          (sessionTimeoutHours; AWS allows 8, 10, 12 or 24, default 24)?
-- id: session_timeout
-- severity: medium
-- fix: aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ID --session-timeout-hours 12
-- tags: session
-- param: max_hours = 12  (the longest session timeout allowed, in hours)

-- An endpoint that reports no timeout has AWS's default, 24 hours.
SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN coalesce(e.sessionTimeoutHours, 24) <= :max_hours THEN 'ok'
            ELSE 'alarm' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted')
              THEN printf('%s is %s', e.description, e.status->>'code')
            ELSE printf('%s ends sessions after %d hours (at most %s allowed)', e.description,
                        coalesce(e.sessionTimeoutHours, 24), :max_hours) END AS reason
FROM client_vpn_endpoints AS e
ORDER BY e.accountId, e.region, resource;
