-- title: A client-connect handler checks each connection
-- answers: Does every endpoint run a client-connect (posture) handler, a
--          Lambda function that can refuse a connection?
-- id: client_connect_handler
-- severity: low
-- fix: aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ID --client-connect-options Enabled=true,LambdaFunctionArn=ARN
-- tags: posture
-- param: advisory = 0  (1 reports a missing handler as info instead of alarm)

SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN coalesce(e.clientConnectOptions->>'enabled', 0) THEN 'ok'
            WHEN :advisory THEN 'info'
            ELSE 'alarm' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted')
              THEN printf('%s is %s', e.description, e.status->>'code')
            WHEN coalesce(e.clientConnectOptions->>'enabled', 0)
              THEN printf('%s runs %s', e.description, e.clientConnectOptions->>'lambdaFunctionArn')
            ELSE printf('%s has no client-connect handler', e.description) END AS reason
FROM client_vpn_endpoints AS e
ORDER BY e.accountId, e.region, resource;
