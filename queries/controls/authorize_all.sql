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
-- The rules are read without naming endpoints, so vpnsql reads every
-- endpoint's rules concurrently (a join would read them one by one).
WITH open_rules AS (
  SELECT accountId, region, clientVpnEndpointId, destinationCidr
  FROM client_vpn_authorization_rules
  WHERE accessAll = 1 AND status->>'code' IN ('active', 'authorizing')
  ORDER BY destinationCidr
),
per_endpoint AS MATERIALIZED (
  SELECT accountId, region, clientVpnEndpointId, count(*) AS n, group_concat(destinationCidr, ', ') AS cidrs
  FROM open_rules
  GROUP BY accountId, region, clientVpnEndpointId
)
SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN p.n > 0 THEN 'alarm'
            ELSE 'ok' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN printf('%s is %s', e.description, e.status->>'code')
            WHEN p.n > 0 THEN printf('%s lets every client reach %s', e.description, p.cidrs)
            ELSE printf('%s authorizes by group only', e.description) END AS reason
FROM client_vpn_endpoints AS e
LEFT JOIN per_endpoint AS p
  ON p.accountId = e.accountId AND p.region = e.region AND p.clientVpnEndpointId = e.clientVpnEndpointId
ORDER BY e.accountId, e.region, resource;
