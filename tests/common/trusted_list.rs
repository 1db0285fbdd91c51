//! A small EU trusted list (ETSI TS 119 612 §5) for the trusted-list tests
//! (docs/decisions.md D203): four services, of which only the test root CA
//! is a granted CA/QC.
#![allow(dead_code)]

use demail::certificate::Certificate;
use demail::trusted_list::{SERVICE_TYPE_CA_QC as CA_QC, STATUS_GRANTED};

pub const WITHDRAWN: &str = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn";
const QTST: &str = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST";

/// One `TSPService`: type, current status, certificate, and a history
/// instance (type, status) that must not count.
fn service(name: &str, kind: &str, status: &str, cert: &Certificate, history: Option<&str>) -> String {
    let history = history.map_or(String::new(), |old| {
        format!(
            "<ServiceHistory><ServiceHistoryInstance><ServiceTypeIdentifier>{CA_QC}</ServiceTypeIdentifier>\
             <ServiceName><Name xml:lang=\"en\">{name} (before)</Name></ServiceName>\
             <ServiceDigitalIdentity><DigitalId><X509Certificate>{}</X509Certificate></DigitalId></ServiceDigitalIdentity>\
             <ServiceStatus>{old}</ServiceStatus><StatusStartingTime>2025-01-01T00:00:00Z</StatusStartingTime>\
             </ServiceHistoryInstance></ServiceHistory>",
            cert.to_base64()
        )
    });
    format!(
        "<TSPService><ServiceInformation><ServiceTypeIdentifier>{kind}</ServiceTypeIdentifier>\
         <ServiceName><Name xml:lang=\"en\">{name}</Name></ServiceName>\
         <ServiceDigitalIdentity><DigitalId><X509Certificate>{}</X509Certificate></DigitalId></ServiceDigitalIdentity>\
         <ServiceStatus>{status}</ServiceStatus><StatusStartingTime>2025-06-01T00:00:00Z</StatusStartingTime>\
         </ServiceInformation>{history}</TSPService>",
        cert.to_base64()
    )
}

/// A TrustServiceStatusList (TS 119 612 §5) with four services: the test
/// root CA as a granted CA/QC (the one anchor), the brainpool CA as a
/// withdrawn CA/QC that was granted before, the intermediate as a granted
/// time-stamping service (not a CA/QC), and a withdrawn CA/QC.
pub fn trusted_list(signature: &str) -> String {
    trusted_list_until(signature, "2045-01-01T00:00:00Z")
}

/// [`trusted_list`] with another `NextUpdate`.
pub fn trusted_list_until(signature: &str, next_update: &str) -> String {
    let services = [
        service("Test QCA", CA_QC, STATUS_GRANTED, &super::cert("ca"), None),
        service(
            "Old QCA",
            CA_QC,
            WITHDRAWN,
            &super::cert("bp-ca"),
            Some(STATUS_GRANTED),
        ),
        service(
            "Test QTST",
            QTST,
            STATUS_GRANTED,
            &super::cert("intermediate"),
            None,
        ),
        service("Gone QCA", CA_QC, WITHDRAWN, &super::cert("p384"), None),
    ]
    .concat();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <tsl:TrustServiceStatusList xmlns:tsl=\"http://uri.etsi.org/02231/v2#\" xmlns=\"http://uri.etsi.org/02231/v2#\" TSLTag=\"http://uri.etsi.org/19612/TSLTag\">\
         <SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier><TSLSequenceNumber>1</TSLSequenceNumber>\
         <SchemeTerritory>DE</SchemeTerritory><NextUpdate><dateTime>{next_update}</dateTime></NextUpdate></SchemeInformation>\
         <TrustServiceProviderList><TrustServiceProvider><TSPInformation><TSPName><Name xml:lang=\"en\">Test TSP</Name></TSPName></TSPInformation>\
         <TSPServices>{services}</TSPServices></TrustServiceProvider></TrustServiceProviderList>{signature}</tsl:TrustServiceStatusList>\n"
    )
}

/// A XAdES-BES signature template (ETSI EN 319 132-1, TS 119 612 §5.7.1)
/// for `xmlsec1 --sign`: the enveloped reference to the list (exclusive
/// C14N) and the reference to `xades:SignedProperties`, whose
/// `SigningCertificateV2` carries a certificate digest computed by openssl
/// (D213–D215).
pub struct XadesTemplate<'a> {
    /// `SigningTime`.
    pub signing_time: &'a str,
    /// The key name (tests/data/keys) of the certificate `CertDigest` names.
    pub certificate_digest_of: &'a str,
    /// `SigningCertificate` (V1, with the `IssuerSerial` given here) instead of V2.
    pub v1_issuer_serial: Option<String>,
    /// XML after `CertDigest` in the V2 `Cert` (an `IssuerSerialV2`).
    pub v2_issuer_serial: &'a str,
    /// The `SignedProperties` reference's URI.
    pub properties_uri: &'a str,
    /// The `SignedProperties` reference's C14N method.
    pub properties_c14n: &'a str,
    /// More `ds:Reference`s after the two.
    pub extra_references: &'a str,
    /// XML put into the list before `TrustServiceProviderList`.
    pub in_list: &'a str,
}

pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const SIGNED_PROPERTIES: &str = "http://uri.etsi.org/01903#SignedProperties";

impl Default for XadesTemplate<'_> {
    fn default() -> Self {
        XadesTemplate {
            signing_time: "2026-11-20T10:00:00Z",
            certificate_digest_of: "p256",
            v1_issuer_serial: None,
            v2_issuer_serial: "",
            properties_uri: "#xades-sp",
            properties_c14n: C14N,
            extra_references: "",
            in_list: "",
        }
    }
}

/// A reference with one transform and an empty digest for xmlsec1.
pub fn reference(uri: &str, kind: &str, transforms: &[&str]) -> String {
    let kind = if kind.is_empty() {
        String::new()
    } else {
        format!(" Type=\"{kind}\"")
    };
    let transforms: String = transforms
        .iter()
        .map(|t| format!("<ds:Transform Algorithm=\"{t}\"/>"))
        .collect();
    format!(
        "<ds:Reference{kind} URI=\"{uri}\"><ds:Transforms>{transforms}</ds:Transforms>\
         <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
    )
}

/// The enveloped reference to the whole list.
pub fn list_reference() -> String {
    reference(
        "",
        "",
        &["http://www.w3.org/2000/09/xmldsig#enveloped-signature", EXC_C14N],
    )
    .replacen("<ds:Reference", "<ds:Reference Id=\"ref-list\"", 1)
}

/// The base64 SHA-256 of a test certificate's DER, computed by openssl.
pub fn openssl_certificate_digest(name: &str) -> String {
    let pem = super::path(&format!("keys/{name}.cert.pem"));
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl x509 -in '{}' -outform DER | openssl dgst -sha256 -binary | openssl base64 -A",
            pem.display()
        ))
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

impl XadesTemplate<'_> {
    /// The list with this signature template.
    pub fn list(&self) -> String {
        let digest = openssl_certificate_digest(self.certificate_digest_of);
        let cert_digest = format!(
            "<xades:CertDigest><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
             <ds:DigestValue>{digest}</ds:DigestValue></xades:CertDigest>"
        );
        let signing_certificate = match &self.v1_issuer_serial {
            Some(issuer_serial) => format!(
                "<xades:SigningCertificate><xades:Cert>{cert_digest}{issuer_serial}</xades:Cert></xades:SigningCertificate>"
            ),
            None => format!(
                "<xades:SigningCertificateV2><xades:Cert>{cert_digest}{}</xades:Cert></xades:SigningCertificateV2>",
                self.v2_issuer_serial
            ),
        };
        let signature = format!(
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"xades-sig\"><ds:SignedInfo>\
             <ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
             <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>\
             {}{}{}</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>\
             <ds:Object><xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Target=\"#xades-sig\">\
             <xades:SignedProperties Id=\"xades-sp\"><xades:SignedSignatureProperties>\
             <xades:SigningTime>{}</xades:SigningTime>{signing_certificate}</xades:SignedSignatureProperties>\
             <xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference=\"#ref-list\">\
             <xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat></xades:SignedDataObjectProperties>\
             </xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>",
            list_reference(),
            reference(self.properties_uri, SIGNED_PROPERTIES, &[self.properties_c14n]),
            self.extra_references,
            self.signing_time,
        );
        trusted_list(&signature).replacen(
            "<TrustServiceProviderList>",
            &format!("{}<TrustServiceProviderList>", self.in_list),
            1,
        )
    }

    /// The list signed by xmlsec1 ([`xmlsec1_sign`]).
    pub fn sign_with_xmlsec1(&self, name: &str) -> Vec<u8> {
        xmlsec1_sign(name, &self.list())
    }
}

/// A template signed by xmlsec1 with the P-256 key, `SignedProperties`
/// IDs registered by `--id-attr:Id`.
pub fn xmlsec1_sign(name: &str, template_xml: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xades");
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join(format!("{name}-template.xml"));
    std::fs::write(&template, template_xml).unwrap();
    let out = dir.join(format!("{name}-signed.xml"));
    let key = |name: &str| super::path(&format!("keys/{name}"));
    let output = std::process::Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!(
            "{},{}",
            key("p256.key.pem").display(),
            key("p256.cert.pem").display()
        ))
        .args(["--id-attr:Id", "SignedProperties"])
        .arg("--output")
        .arg(&out)
        .arg(&template)
        .output()
        .expect("run xmlsec1");
    assert!(
        output.status.success(),
        "xmlsec1 --sign: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(&out).unwrap()
}
