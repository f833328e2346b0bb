-- title: Sessions belong to a person
-- answers: Does every endpoint authenticate a user (Active Directory or
--          SAML federation), rather than certificates alone, so that each
--          session can be tied to a person and ended by username?
-- id: user_identity
-- severity: high
-- fix: aws ec2 create-client-vpn-endpoint … --authentication-options Type=federated-authentication,FederatedAuthentication={SAMLProviderArn=ARN} (the authentication of an endpoint cannot be changed: create a new one and move clients)
-- tags: identity

WITH e AS (
  SELECT accountId, region, clientVpnEndpointId, description, status, authenticationOptions,
         EXISTS (SELECT 1 FROM json_each(authenticationOptions) AS a
                 WHERE a.value->>'type' IN ('directory-service-authentication', 'federated-authentication')) AS per_user
  FROM client_vpn_endpoints
)
SELECT e.accountId,
       e.region,
       e.clientVpnEndpointId AS resource,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted') THEN 'skip'
            WHEN e.per_user THEN 'ok'
            ELSE 'alarm' END AS status,
       CASE WHEN e.status->>'code' IN ('deleting', 'deleted')
              THEN printf('%s is %s', e.description, e.status->>'code')
            ELSE printf('%s authenticates with %s', e.description,
                        (SELECT group_concat(a.value->>'type', ' + ') FROM json_each(e.authenticationOptions) AS a))
            END AS reason
FROM e
ORDER BY e.accountId, e.region, resource;
