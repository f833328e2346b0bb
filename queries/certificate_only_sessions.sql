-- title: Certificate-only sessions per endpoint
-- answers: On which endpoints do clients connect with a certificate alone (no
--          username: no directory or SAML identity behind the session), how many
--          sessions, and which certificates?

SELECT c.region,
       e.description AS endpoint,
       count(*) AS sessions,
       count(*) FILTER (WHERE c.connectionEndTime IS NULL) AS open_sessions,
       count(DISTINCT c.commonName) AS certificates,
       group_concat(DISTINCT c.commonName ORDER BY c.commonName) AS common_names,
       (SELECT group_concat(a.value->>'type', ',' ORDER BY a.key)
          FROM json_each(e.authenticationOptions) AS a) AS authentication,
       e.clientVpnEndpointId AS endpoint_id
FROM client_vpn_endpoints AS e
JOIN client_vpn_connections AS c
  ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
WHERE coalesce(c.username, '') = ''
GROUP BY c.region, e.clientVpnEndpointId
ORDER BY sessions DESC, c.region, endpoint_id;
