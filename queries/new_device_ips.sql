-- title: Users connecting from a new device IP
-- answers: Which users connected successfully in the :hours hours before :now from a device IP
--          they had not used earlier in that window (a stolen credential, travel), from the
--          connection log?
-- param: hours = 168  (length of the window, in hours)
-- param: now = now  (end of the window: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

WITH w(a, b) AS MATERIALIZED (SELECT datetime(:now, printf('-%d hours', :hours)), datetime(:now)),
ok AS MATERIALIZED (
  SELECT coalesce(l.username, l.commonName) AS user, l.deviceIp AS ip, l.eventTime AS t,
         l.region, l.clientVpnEndpointId AS endpoint_id, l.connectionId
  FROM w, client_vpn_connection_log AS l
  WHERE l.eventTime >= w.a AND l.eventTime <= w.b
    AND l.connectionLogType = 'connection-attempt' AND l.connectionAttemptStatus = 'successful'
),
first_use AS (
  SELECT user, ip, min(t) AS t FROM ok GROUP BY user, ip
),
user_first AS (
  SELECT user, min(t) AS t FROM ok GROUP BY user
)
SELECT ok.region,
       ok.user,
       ok.ip AS device_ip,
       ok.t AS first_seen,
       (SELECT group_concat(DISTINCT o.ip) FROM ok AS o WHERE o.user = ok.user AND o.t < ok.t) AS earlier_ips,
       ok.connectionId AS connection_id,
       ok.endpoint_id
FROM ok
JOIN first_use AS f ON f.user = ok.user AND f.ip = ok.ip AND f.t = ok.t
JOIN user_first AS u ON u.user = ok.user
WHERE ok.t > u.t
ORDER BY first_seen, connection_id;
