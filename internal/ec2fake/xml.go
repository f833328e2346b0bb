package ec2fake

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// The fake writes its XML with a tiny writer instead of xml.Marshal because
// the EC2 shape needs control encoding/xml struct tags don't give: an empty
// list is the self-closing wrapper `<x/>` (Marshal would drop it or write
// `<x></x>`), and absent optional fields must be left out entirely. Every
// text value still goes through xml.EscapeText.

const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

type xmlWriter struct{ b bytes.Buffer }

func newResponse(action, requestID string) *xmlWriter {
	w := &xmlWriter{}
	w.b.WriteString(xml.Header)
	w.b.WriteString("<" + action + "Response xmlns=\"" + ec2Namespace + "\">")
	w.text("requestId", requestID)
	return w
}

func (w *xmlWriter) finish(action string) []byte {
	w.close(action + "Response")
	return w.b.Bytes()
}

func (w *xmlWriter) open(name string)  { w.b.WriteString("<" + name + ">") }
func (w *xmlWriter) close(name string) { w.b.WriteString("</" + name + ">") }

// text writes <name>value</name>, escaping value.
func (w *xmlWriter) text(name, value string) {
	w.open(name)
	_ = xml.EscapeText(&w.b, []byte(value)) // a bytes.Buffer never fails
	w.close(name)
}

// optText writes the element only if value is non-empty; EC2 leaves unset
// optional members out rather than sending them empty.
func (w *xmlWriter) optText(name, value string) {
	if value != "" {
		w.text(name, value)
	}
}

func (w *xmlWriter) boolean(name string, v bool) { w.text(name, strconv.FormatBool(v)) }

func (w *xmlWriter) integer(name string, v int) { w.text(name, strconv.Itoa(v)) }

// list writes <name><item>…</item>…</name>, or <name/> when n is 0.
func (w *xmlWriter) list(name string, n int, item func(i int)) {
	if n == 0 {
		w.b.WriteString("<" + name + "/>")
		return
	}
	w.open(name)
	for i := range n {
		w.open("item")
		item(i)
		w.close("item")
	}
	w.close(name)
}

// stringList writes a list whose items are plain strings.
func (w *xmlWriter) stringList(name string, values []string) {
	if len(values) == 0 {
		w.b.WriteString("<" + name + "/>")
		return
	}
	w.open(name)
	for _, v := range values {
		w.text("item", v)
	}
	w.close(name)
}

func (w *xmlWriter) status(name, code, message string) {
	w.open(name)
	w.text("code", code)
	w.optText("message", message)
	w.close(name)
}

// connection writes the members of one ClientVpnConnection item. Every
// member is a string on the wire, the counters included.
func (w *xmlWriter) connection(c *Connection) {
	w.text("clientVpnEndpointId", c.ClientVpnEndpointID)
	w.optText("timestamp", c.Timestamp)
	w.text("connectionId", c.ConnectionID)
	w.optText("username", c.Username) // absent for certificate-only authentication
	w.optText("connectionEstablishedTime", c.ConnectionEstablishedTime)
	w.text("ingressBytes", strconv.FormatUint(c.IngressBytes, 10))
	w.text("egressBytes", strconv.FormatUint(c.EgressBytes, 10))
	w.text("ingressPackets", strconv.FormatUint(c.IngressPackets, 10))
	w.text("egressPackets", strconv.FormatUint(c.EgressPackets, 10))
	w.optText("clientIp", c.ClientIP)
	w.optText("commonName", c.CommonName)
	w.status("status", c.StatusCode, c.StatusMessage)
	w.optText("connectionEndTime", c.ConnectionEndTime)
	w.stringList("postureComplianceStatusSet", c.PostureComplianceStatusSet)
}

// endpoint writes the members of one ClientVpnEndpoint item.
func (w *xmlWriter) endpoint(e *Endpoint) {
	w.text("clientVpnEndpointId", e.ID)
	w.optText("description", e.Description)
	w.status("status", e.StatusCode, "")
	w.optText("creationTime", e.CreationTime)
	w.optText("dnsName", e.DNSName)
	w.optText("clientCidrBlock", e.ClientCidrBlock)
	w.stringList("dnsServer", e.DNSServers)
	w.boolean("splitTunnel", e.SplitTunnel)
	w.optText("vpnProtocol", e.VpnProtocol)
	w.optText("transportProtocol", e.TransportProtocol)
	w.integer("vpnPort", e.VpnPort)
	// Deprecated in the API; EC2 still sends it empty.
	w.b.WriteString("<associatedTargetNetwork/>")
	w.optText("serverCertificateArn", e.ServerCertificateArn)
	w.list("authenticationOptions", len(e.AuthenticationTypes), func(i int) {
		w.authOption(e, e.AuthenticationTypes[i])
	})
	// connectionLogOptions is the one structure whose members are
	// capitalised on the wire (no locationName in the service model).
	w.open("connectionLogOptions")
	w.boolean("Enabled", e.ConnectionLogEnabled)
	w.optText("CloudwatchLogGroup", e.CloudwatchLogGroup)
	w.optText("CloudwatchLogStream", e.CloudwatchLogStream)
	w.close("connectionLogOptions")
	w.list("tagSet", len(e.Tags), func(i int) {
		w.text("key", e.Tags[i].Key)
		w.text("value", e.Tags[i].Value)
	})
	w.stringList("securityGroupIdSet", e.SecurityGroupIDs)
	w.optText("vpcId", e.VpcID)
	w.optText("selfServicePortalUrl", e.SelfServicePortalURL)
	w.open("clientConnectOptions")
	w.boolean("enabled", e.ClientConnectLambdaArn != "")
	w.optText("lambdaFunctionArn", e.ClientConnectLambdaArn)
	w.open("status")
	w.text("code", "applied")
	w.close("status")
	w.close("clientConnectOptions")
	w.integer("sessionTimeoutHours", e.SessionTimeoutHours)
	w.boolean("disconnectOnSessionTimeout", e.DisconnectOnSessionTimeout)
	w.open("clientLoginBannerOptions")
	w.boolean("enabled", e.LoginBannerText != "")
	w.optText("bannerText", e.LoginBannerText)
	w.close("clientLoginBannerOptions")
}

// authOption writes one ClientVpnAuthentication item. The dataset only
// records the type; the nested identifiers are derived from the endpoint so
// they are stable and look like the real thing.
func (w *xmlWriter) authOption(e *Endpoint, typ string) {
	w.text("type", typ)
	suffix := strings.TrimPrefix(e.ID, "cvpn-endpoint-")
	account := accountOf(e.ServerCertificateArn)
	switch typ {
	case "certificate-authentication":
		w.open("mutualAuthentication")
		w.text("clientRootCertificateChain", "arn:aws:acm:"+e.Region+":"+account+":certificate/"+suffix+"-client-root")
		w.close("mutualAuthentication")
	case "directory-service-authentication":
		w.open("activeDirectory")
		w.text("directoryId", "d-"+lastN(suffix, 10))
		w.close("activeDirectory")
	case "federated-authentication":
		w.open("federatedAuthentication")
		w.text("samlProviderArn", "arn:aws:iam::"+account+":saml-provider/vpn-"+suffix)
		w.close("federatedAuthentication")
	}
}

func lastN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// accountOf extracts the account id from an ARN, with a documentation
// account as fallback.
func accountOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 5 && parts[4] != "" {
		return parts[4]
	}
	return "123456789012"
}

// errorBody renders the EC2 error document. Note its shape differs from
// success responses: no namespace, and RequestID is capitalised.
func errorBody(e *apiError, requestID string) []byte {
	w := &xmlWriter{}
	w.b.WriteString(xml.Header)
	w.b.WriteString("<Response><Errors><Error>")
	w.text("Code", e.Code)
	w.text("Message", e.Message)
	w.b.WriteString("</Error></Errors>")
	w.text("RequestID", requestID)
	w.b.WriteString("</Response>")
	return w.b.Bytes()
}
