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
