-- title: Sessions during a window
-- answers: Who was connected at any moment of the :hours hours before :now, including sessions
--          still open (an incident's window), from the connection log?
-- param: hours = 2  (length of the window, in hours)
-- param: lookback = 24  (hours before the window a session may have begun: Client VPN ends sessions after 24 hours at most)
-- param: now = now  (end of the window: 'YYYY-MM-DD HH:MM:SS' UTC, or now)

-- A session is a connection id with a successful attempt; it ends at the end time of its
-- connection-reset record, and is open while it has none. Client VPN sessions last at most
-- 24 hours, so the log is read from 24 hours before the window (to find sessions already
-- up when it began; :lookback) to 24 hours after it (to find when they ended).
WITH w(a, b) AS MATERIALIZED (SELECT datetime(:now, printf('-%d hours', :hours)), datetime(:now)),
s AS (
  SELECT l.region, l.clientVpnEndpointId, l.connectionId,
         max(l.username) AS username, max(l.commonName) AS common_name,
         max(l.deviceIp) AS device_ip, max(l.clientIp) AS client_ip,
         min(l.connectionStartTime) AS started, max(l.connectionEndTime) AS ended,
         max(l.connectionLogType = 'connection-attempt' AND l.connectionAttemptStatus = 'successful') AS ok
  FROM w, client_vpn_connection_log AS l
  WHERE l.eventTime >= datetime(w.a, printf('-%d hours', :lookback)) AND l.eventTime <= datetime(w.b, '+24 hours')
  GROUP BY l.region, l.clientVpnEndpointId, l.connectionId
)
SELECT s.region,
       s.username,
       s.common_name,
       s.device_ip,
       s.client_ip,
       s.started,
       s.ended,
       CASE WHEN s.ended IS NULL OR s.ended > w.b THEN 'yes' ELSE 'no' END AS open_at_end,
       s.connectionId AS connection_id,
       s.clientVpnEndpointId AS endpoint_id
FROM w, s
WHERE s.ok AND s.started <= w.b AND (s.ended IS NULL OR s.ended >= w.a)
ORDER BY s.started, connection_id;
