package ec2fake

// Security settings of the sample endpoints, for the controls of `vpnsql
// check`: every control finds both an endpoint that passes and one that
// alarms. Nothing here draws from the sample's random generator, so the
// rest of the sample stays as it was.
//
//	endpoint          rules (accessAll)   disconnect  handler  banner  auth
//	Corporate (HQ)    7 by group          on          yes      yes     AD + cert
//	Staging           none                on          no       no      federated
//	Contractors       group + all         off         yes      yes     cert + SAML
//	EU office         all + revoking      off         no       no      AD + cert
//	EU developers     group + failed      off         no       no      AD + cert
//	Sydney office     group               on          no       yes     federated
//	APAC partners     all                 off         no       no      cert only
//
// Session timeouts stay as sample.go sets them (12 h on Staging, 24 h
// elsewhere), connection logging too (off on EU office).

// SampleLoginBanner is the banner text of the sample endpoints that show one.
const SampleLoginBanner = "Authorized use only. Sessions are logged and monitored."

const sampleHandler = "arn:aws:lambda:us-east-1:111122223333:function:AWSClientVPN-posture-check"

func addSecuritySettings(ds *Dataset) {
	byDesc := map[string]*Endpoint{}
	for _, e := range ds.Endpoints {
		byDesc[e.Description] = e
	}
	group := func(desc, groupID, cidr string) *AuthorizationRule {
		return &AuthorizationRule{Description: desc, GroupID: groupID, DestinationCidr: cidr, StatusCode: "active"}
	}
	all := func(desc, cidr string) *AuthorizationRule {
		return &AuthorizationRule{Description: desc, AccessAll: true, DestinationCidr: cidr, StatusCode: "active"}
	}

	hq := byDesc[SampleBigEndpoint]
	hq.DisconnectOnSessionTimeout = true
	hq.ClientConnectLambdaArn = sampleHandler
	hq.LoginBannerText = SampleLoginBanner
	hq.AuthorizationRules = []*AuthorizationRule{
		group("Engineering to the VPC", "S-1-5-21-1004336348-1177238915-682003330-1104", "10.0.0.0/16"),
		group("Finance to ERP", "S-1-5-21-1004336348-1177238915-682003330-1105", "10.1.20.0/24"),
		group("Ops to everything internal", "S-1-5-21-1004336348-1177238915-682003330-1106", "10.0.0.0/8"),
		group("HR system", "S-1-5-21-1004336348-1177238915-682003330-1107", "10.1.30.0/24"),
		group("Sales CRM", "S-1-5-21-1004336348-1177238915-682003330-1108", "10.1.40.0/24"),
		group("Support tools", "S-1-5-21-1004336348-1177238915-682003330-1109", "10.1.50.0/24"),
		group("Security team", "S-1-5-21-1004336348-1177238915-682003330-1110", "0.0.0.0/0"),
	}

	staging := byDesc[SampleEmptyEndpoint]
	staging.DisconnectOnSessionTimeout = true

	contractors := byDesc[SampleContractorEndpoint]
	contractors.ClientConnectLambdaArn = sampleHandler
	contractors.LoginBannerText = SampleLoginBanner
	contractors.AuthorizationRules = []*AuthorizationRule{
		group("Contractor project VPC", "contractors", "10.40.0.0/16"),
		all(`Jump hosts <legacy> & "temporary"`, "10.20.0.0/16"),
	}

	eu := byDesc[SampleNoLoggingEndpoint]
	revoking := group("Old office LAN", "S-1-5-21-2206417389-1380224470-3162453417-1201", "192.168.0.0/16")
	revoking.StatusCode = "revoking"
	eu.AuthorizationRules = []*AuthorizationRule{all("Internet through the VPN", "0.0.0.0/0"), revoking}

	euDev := byDesc["EU developers"]
	failed := group("Build cluster", "S-1-5-21-2206417389-1380224470-3162453417-1302", "172.31.64.0/18")
	failed.StatusCode, failed.StatusMessage = "failed", "Target network is not associated"
	euDev.AuthorizationRules = []*AuthorizationRule{
		group("Developers to the dev VPC", "S-1-5-21-2206417389-1380224470-3162453417-1301", "172.31.0.0/18"), failed,
	}

	syd := byDesc["Sydney office"]
	syd.DisconnectOnSessionTimeout = true
	syd.LoginBannerText = SampleLoginBanner
	syd.AuthorizationRules = []*AuthorizationRule{group("Sydney staff", "vpn-sydney-staff", "10.200.0.0/16")}

	partners := byDesc["APAC partners (certificate only)"]
	partners.AuthorizationRules = []*AuthorizationRule{all("Partner API", "10.210.8.0/24")}
}
