-- title: Client connection logging is enabled
-- answers: Does every Client VPN endpoint send its connection log to
--          CloudWatch Logs, so that every session leaves an audit trail?
-- id: connection_logging
-- severity: medium
-- maps_to: Security Hub EC2.51; AWS Config ec2-client-vpn-connection-log-enabled
-- fix: aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ID --connection-log-options Enabled=true,CloudwatchLogGroup=GROUP
-- tags: logging, aws

-- Deleted (or deleting) endpoints are skipped.
SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN coalesce(e.connectionLogOptions->>'Enabled', 0) THEN 'ok'
            ELSE 'alarm' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted')
              THEN printf('%s is %s', e.description, e.status->>'code')
            WHEN coalesce(e.connectionLogOptions->>'Enabled', 0)
              THEN printf('%s logs connections to %s', e.description,
                          coalesce(e.connectionLogOptions->>'CloudwatchLogGroup', 'CloudWatch Logs'))
            ELSE printf('%s does not log connections', e.description) END AS reason
FROM client_vpn_endpoints AS e
ORDER BY e.accountId, e.region, resource;
