-- title: A login banner is shown
-- answers: Does every endpoint show a banner (terms of use, monitoring
--          notice) when a session starts?
-- id: login_banner
-- severity: low
-- fix: aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id ID --client-login-banner-options Enabled=true,BannerText="Authorized use only"
-- tags: session

SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN coalesce(e.clientLoginBannerOptions->>'enabled', 0) THEN 'ok'
            ELSE 'alarm' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted')
              THEN printf('%s is %s', e.description, e.status->>'code')
            WHEN coalesce(e.clientLoginBannerOptions->>'enabled', 0)
              THEN printf('%s shows a login banner', e.description)
            ELSE printf('%s shows no login banner', e.description) END AS reason
FROM client_vpn_endpoints AS e
ORDER BY e.accountId, e.region, resource;
