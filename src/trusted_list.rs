//! EU trusted lists (Vertrauenslisten, ETSI TS 119 612 v2.x) as trust
//! anchors: the certificates of the qualified CAs a list names, read only
//! after the list's XML signature verified with a signer certificate the
//! caller gives (issue 13 §7; docs/decisions.md D203, D213).
//!
//! Needs the cargo feature `xml` (on by default: `provider` implies it).
//!
//! [`TrustedList::verify`] checks the enveloped `ds:Signature` of a
//! `TrustServiceStatusList` with [`crate::xmldsig::verify_with`] in the
//! profile [`XmlProfile::EnvelopedOrXades`] — XAdES-BES as the EU member
//! states sign their lists (TS 119 612 §5.7.1, EN 319 132-1), or a plain
//! enveloped signature — the
//! signature must verify and its certificate must be one of the caller's
//! signer certificates, valid at the verification time, or the whole list
//! is refused — and then reads the **signed content** (never the document
//! around it) with the crate's one XML reader ([`crate::xml`]). Of every
//! `TSPService` it reads the current `ServiceInformation` (the
//! `ServiceHistory` is not read): `ServiceTypeIdentifier`, `ServiceStatus`,
//! `ServiceName` and the `X509Certificate`s of its `ServiceDigitalIdentity`.
//! [`TrustedList::trust_anchors`] answers the certificates of the services
//! of type CA/QC ([`SERVICE_TYPE_CA_QC`]) whose current status is granted
//! ([`STATUS_GRANTED`], TS 119 612 §5.5.4). A list whose `NextUpdate` is
//! not after the verification time, or a closed list, is refused.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use demail::certificate::Certificate;
//! use demail::crypto::SigningKey;
//! use demail::signer::CertifiedKey;
//! use demail::trusted_list::{TrustedList, TrustedListError};
//! use demail::xmldsig::{XmlSignOptions, sign_enveloped};
//!
//! let read = |name: &str| std::fs::read_to_string(format!("tests/data/keys/{name}"));
//! let signer = Certificate::from_pem(&read("p256.cert.pem")?)?;
//! let key = SigningKey::from_pkcs8_pem(&read("p256.key.pem")?)?;
//! let ca = Certificate::from_pem(&read("ca.cert.pem")?)?;
//! let b64 = demail::certificate::Certificate::to_base64(&ca);
//! let list = format!(
//!     r#"<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><NextUpdate><dateTime>2027-06-01T00:00:00Z</dateTime></NextUpdate></SchemeInformation><TrustServiceProviderList><TrustServiceProvider><TSPServices><TSPService><ServiceInformation><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier><ServiceName><Name xml:lang="en">Test QCA</Name></ServiceName><ServiceDigitalIdentity><DigitalId><X509Certificate>{b64}</X509Certificate></DigitalId></ServiceDigitalIdentity><ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus></ServiceInformation></TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>"#
//! );
//! let list_signer = CertifiedKey::new(key, signer.clone())?;
//! let signed = sign_enveloped(list.as_bytes(), &XmlSignOptions::new(&list_signer))?;
//! let at = UNIX_EPOCH + Duration::from_secs(1_795_478_400); // 2026-11-24
//!
//! let trusted = TrustedList::verify(&signed, &[signer.clone()], at)?;
//! assert_eq!(trusted.trust_anchors(), vec![ca.clone()]);
//! // Another signer than the caller's: the whole list is refused.
//! assert!(matches!(TrustedList::verify(&signed, &[ca], at), Err(TrustedListError::WrongSigner { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::SystemTime;

use crate::certificate::{Certificate, CertificateError};
use crate::fields::{DateTime, DateTimeError};
use crate::trust::VerifyOptions;
use crate::xml::reader::{Node, XmlReader, decode};
use crate::xml::{XmlError, XmlLimits};
use crate::xmldsig::{XmlDsigError, XmlProfile, XmlSignatureFailure};

/// The namespace of TS 119 612 v2 (`tsl:`).
pub const TSL_NAMESPACE: &str = "http://uri.etsi.org/02231/v2#";
/// The service type of a CA issuing qualified certificates (TS 119 612
/// §5.5.1.1).
pub const SERVICE_TYPE_CA_QC: &str = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC";
/// The current status "granted" (TS 119 612 §5.5.4).
pub const STATUS_GRANTED: &str = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted";
/// The most `TSPService` elements read from one list.
pub const MAX_SERVICES: usize = 10_000;

/// A trusted list whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedList {
    /// The certificate that signed the list (one of the caller's).
    pub signer: Certificate,
    /// Every `TSPService` of the list, in document order.
    pub services: Vec<TrustService>,
}

/// One `TSPService` as its current `ServiceInformation` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustService {
    /// `ServiceName`, the first `Name` given.
    pub name: Option<String>,
    /// `ServiceTypeIdentifier` (a URI, e.g. [`SERVICE_TYPE_CA_QC`]).
    pub service_type: String,
    /// The current `ServiceStatus` (a URI, e.g. [`STATUS_GRANTED`]).
    pub status: String,
    /// The `X509Certificate`s of its `ServiceDigitalIdentity`.
    pub certificates: Vec<Certificate>,
}

impl TrustService {
    /// Whether the service is a CA for qualified certificates whose current
    /// status is granted: the services whose certificates are anchors.
    pub fn is_granted_qualified_ca(&self) -> bool {
        self.service_type == SERVICE_TYPE_CA_QC && self.status == STATUS_GRANTED
    }
}

/// Why a trusted list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustedListError {
    /// The signature cannot be checked: no or several signatures, a
    /// reference to anything but the document element (and the XAdES
    /// `SignedProperties`), a forbidden transform, malformed XML
    /// ([`crate::xmldsig`]'s strict profile, D213, D214).
    #[error("the trusted list's signature cannot be checked: {0}")]
    Signature(#[source] XmlDsigError),
    /// The signature does not pass: the list was changed, or its signer
    /// certificate is not acceptable at the verification time.
    #[error("the trusted list's signature does not pass: {}", .0.first().map(ToString::to_string).unwrap_or_default())]
    SignatureFailed(Vec<XmlSignatureFailure>),
    /// The list was signed by a certificate the caller did not name.
    #[error(
        "the trusted list is signed by `{subject}`, not by a given trusted-list signer (TS 119 612 §5.7)"
    )]
    WrongSigner {
        /// The subject of the certificate in the signature.
        subject: String,
    },
    /// The signed content is not a `TrustServiceStatusList`.
    #[error("the signed document is <{found}>, not a TS 119 612 TrustServiceStatusList")]
    NotATrustedList {
        /// The document element's qualified name.
        found: String,
    },
    /// The signed content does not read.
    #[error("the trusted list does not read: {0}")]
    Xml(#[source] XmlError),
    /// More services than [`MAX_SERVICES`].
    #[error("the trusted list has more than {MAX_SERVICES} services")]
    TooManyServices,
    /// The list's `NextUpdate` is at or before the verification time, or
    /// the list is closed (no `NextUpdate` date, TS 119 612 §5.3.15): a
    /// newer list must be used (D203).
    #[error("the trusted list is not current at the verification time: {}", .next_update.as_ref().map_or("closed (no NextUpdate)".to_owned(), |t| format!("NextUpdate {}", t.to_rfc3339())))]
    NotCurrent {
        /// `NextUpdate/dateTime`, `None` for a closed list.
        next_update: Option<DateTime>,
    },
    /// `NextUpdate/dateTime` is not an `xs:dateTime`.
    #[error("the trusted list's NextUpdate is not an xs:dateTime: {0}")]
    NextUpdate(#[source] DateTimeError),
    /// A service's `X509Certificate` does not decode.
    #[error("service #{service}: an X509Certificate does not decode: {cause}")]
    Certificate {
        /// The service's position in the list.
        service: usize,
        /// Why.
        #[source]
        cause: CertificateError,
    },
}

impl TrustedList {
    /// Verifies the list's signature at `time` against `signers` and reads
    /// its services (see the [module documentation](self)).
    ///
    /// # Errors
    /// [`TrustedListError`]: the whole list is refused on any failure.
    pub fn verify(xml: &[u8], signers: &[Certificate], time: SystemTime) -> Result<Self, TrustedListError> {
        let options = VerifyOptions {
            time,
            ..VerifyOptions::default()
        };
        // TS 119 612 §5.7.1: EU lists are XAdES-BES signed (D213).
        let report = crate::xmldsig::verify_with(xml, &options, XmlProfile::EnvelopedOrXades)
            .map_err(TrustedListError::Signature)?;
        // The caller's signer certificate is the trust decision; the path
        // to an anchor is not asked (no anchors given: D203).
        let failures: Vec<XmlSignatureFailure> = report
            .failures
            .iter()
            .filter(|f| **f != XmlSignatureFailure::NoTrustAnchors)
            .cloned()
            .collect();
        if !failures.is_empty() {
            return Err(TrustedListError::SignatureFailed(failures));
        }
        if !signers.contains(&report.certificate) {
            return Err(TrustedListError::WrongSigner {
                subject: report.certificate.subject.clone(),
            });
        }
        let (services, next_update) = read_services(report.signed_content())?;
        let current = next_update
            .as_ref()
            .is_some_and(|next| crate::fields::unix_seconds(time) < next.unix_seconds());
        if !current {
            return Err(TrustedListError::NotCurrent { next_update });
        }
        Ok(TrustedList {
            signer: report.certificate,
            services,
        })
    }

    /// The certificates of the granted CA/QC services, without repeats:
    /// trust anchors for [`VerifyOptions::trust_anchors`].
    pub fn trust_anchors(&self) -> Vec<Certificate> {
        let mut anchors: Vec<Certificate> = Vec::new();
        for certificate in self
            .services
            .iter()
            .filter(|s| s.is_granted_qualified_ca())
            .flat_map(|s| &s.certificates)
        {
            if !anchors.contains(certificate) {
                anchors.push(certificate.clone());
            }
        }
        anchors
    }
}

/// The path below `TSPService` of the fields read, by local name.
const SERVICE_INFORMATION: &str = "ServiceInformation";

/// Reads every `TSPService` of the signed content, and
/// `SchemeInformation/NextUpdate/dateTime`.
fn read_services(signed: &[u8]) -> Result<(Vec<TrustService>, Option<DateTime>), TrustedListError> {
    let text = decode(signed, &XmlLimits::XMLDSIG).map_err(TrustedListError::Xml)?;
    let mut reader = XmlReader::new(&text, XmlLimits::XMLDSIG);
    // The local names of the open TSL elements (others as "").
    let mut path: Vec<&str> = Vec::new();
    let mut services = Vec::new();
    let mut service: Option<ServiceFields> = None;
    let mut text_of: String = String::new();
    let mut next_update = None;
    while let Some(node) = reader.next_node().map_err(TrustedListError::Xml)? {
        match node {
            Node::Start(element) => {
                if path.is_empty() && !element.is(TSL_NAMESPACE, "TrustServiceStatusList") {
                    return Err(TrustedListError::NotATrustedList {
                        found: element.qname.to_owned(),
                    });
                }
                let local = if element.namespace == TSL_NAMESPACE {
                    element.local
                } else {
                    ""
                };
                path.push(local);
                text_of.clear();
                if local == "TSPService" {
                    if services.len() >= MAX_SERVICES {
                        return Err(TrustedListError::TooManyServices);
                    }
                    service = Some(ServiceFields::default());
                }
            }
            Node::Text(part) => text_of.push_str(&part),
            Node::End { .. } => {
                if path
                    == [
                        "TrustServiceStatusList",
                        "SchemeInformation",
                        "NextUpdate",
                        "dateTime",
                    ]
                {
                    let (time, _) =
                        DateTime::parse_xs_date_time(text_of.trim()).map_err(TrustedListError::NextUpdate)?;
                    next_update = Some(time);
                }
                if let Some(fields) = service.as_mut() {
                    fields.take(&path, &text_of);
                }
                if path.last() == Some(&"TSPService")
                    && let Some(fields) = service.take()
                {
                    services.push(fields.finish(services.len())?);
                }
                path.pop();
                text_of.clear();
            }
            Node::Comment(_) | Node::Pi { .. } => {}
        }
    }
    Ok((services, next_update))
}

/// The fields of one `TSPService` while it is read.
#[derive(Default)]
struct ServiceFields {
    name: Option<String>,
    service_type: String,
    status: String,
    certificates: Vec<String>,
}

impl ServiceFields {
    /// Keeps `text` when the element just closed at `path` is a field of
    /// the current `ServiceInformation`.
    fn take(&mut self, path: &[&str], text: &str) {
        let Some(at) = path.iter().rposition(|local| *local == "TSPService") else {
            return;
        };
        let text = text.trim();
        match &path[at + 1..] {
            [SERVICE_INFORMATION, "ServiceTypeIdentifier"] => self.service_type = text.to_owned(),
            [SERVICE_INFORMATION, "ServiceStatus"] => self.status = text.to_owned(),
            [SERVICE_INFORMATION, "ServiceName", "Name"] if self.name.is_none() => {
                self.name = Some(text.to_owned());
            }
            [
                SERVICE_INFORMATION,
                "ServiceDigitalIdentity",
                "DigitalId",
                "X509Certificate",
            ] => {
                self.certificates.push(text.to_owned());
            }
            _ => {}
        }
    }

    fn finish(self, service: usize) -> Result<TrustService, TrustedListError> {
        let certificates = self
            .certificates
            .iter()
            .map(|b64| Certificate::from_base64(b64))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|cause| TrustedListError::Certificate { service, cause })?;
        Ok(TrustService {
            name: self.name,
            service_type: self.service_type,
            status: self.status,
            certificates,
        })
    }
}
