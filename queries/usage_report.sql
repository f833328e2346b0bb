-- title: Usage per user
-- answers: Per user, how many sessions, hours and bytes in the :hours hours before :now (the
--          report AWS builds with Logs Insights), from the connection log?
-- param: hours = 168  (length of the period, in hours)
-- param: now = now  (end of the period: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- Each connection-reset record carries its session's duration and bytes: a session counts
-- in the period its reset falls in. Certificate-only users are shown by common name.
WITH w(a, b) AS MATERIALIZED (SELECT datetime(:now, printf('-%d hours', :hours)), datetime(:now))
SELECT coalesce(l.username, l.commonName) AS user,
       count(*) AS sessions,
       round(sum(l.connectionDurationSeconds) / 3600.0, 2) AS hours,
       sum(l.ingressBytes) AS ingress_bytes,
       sum(l.egressBytes) AS egress_bytes,
       sum(l.ingressBytes) + sum(l.egressBytes) AS total_bytes,
       count(DISTINCT l.clientVpnEndpointId) AS endpoints
FROM w, client_vpn_connection_log AS l
WHERE l.eventTime >= w.a AND l.eventTime <= w.b
  AND l.connectionLogType = 'connection-reset'
GROUP BY user
ORDER BY hours DESC, user;
