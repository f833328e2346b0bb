-- title: No authorization rule lets every client in
-- answers: Does any endpoint have an authorization rule with accessAll,
--          which lets every authenticated client reach a network whatever
--          its groups?
-- id: authorize_all
-- severity: high
-- maps_to: AWS Config ec2-client-vpn-not-authorize-all
-- fix: aws ec2 revoke-client-vpn-ingress --client-vpn-endpoint-id ID --target-network-cidr CIDR --revoke-all-groups, then authorize-client-vpn-ingress --access-group-id GROUP
-- tags: access, aws

-- Rules being revoked, or that failed, grant nothing and do not count.
-- accountId: NULL until vpnsql reads several accounts (then e.accountId).
WITH e AS MATERIALIZED (
  SELECT region, clientVpnEndpointId, description, status->>'code' AS state
  FROM client_vpn_endpoints
),
open_rules AS (
  SELECT r.region, r.clientVpnEndpointId, r.destinationCidr
  FROM e JOIN client_vpn_authorization_rules AS r
    ON r.clientVpnEndpointId = e.clientVpnEndpointId AND r.region = e.region
  WHERE r.accessAll = 1 AND r.status->>'code' IN ('active', 'authorizing')
  ORDER BY r.destinationCidr
),
per_endpoint AS (
  SELECT region, clientVpnEndpointId, count(*) AS n, group_concat(destinationCidr, ', ') AS cidrs
  FROM open_rules
  GROUP BY region, clientVpnEndpointId
)
SELECT NULL AS accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.state IN ('deleting', 'deleted') THEN 'skip'
            WHEN p.n > 0 THEN 'alarm'
            ELSE 'ok' END AS status,
       CASE WHEN e.state IN ('deleting', 'deleted') THEN printf('%s is %s', e.description, e.state)
            WHEN p.n > 0 THEN printf('%s lets every client reach %s', e.description, p.cidrs)
            ELSE printf('%s authorizes by group only', e.description) END AS reason
FROM e LEFT JOIN per_endpoint AS p
  ON p.region = e.region AND p.clientVpnEndpointId = e.clientVpnEndpointId
ORDER BY e.region, resource;
