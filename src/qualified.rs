//! Qualified certificates (qualifizierte Zertifikate): the QCStatements
//! extension of RFC 3739 §3.2.6 with the statements of ETSI EN 319 412-5
//! §4.2 — QcCompliance (an EU qualified certificate), QcType (for
//! electronic signatures, seals or website authentication) and QcSSCD (the
//! private key is in a qualified signature/seal creation device).
//!
//! TR 01201-3.4 §3.4.1 and §3.5.1 ask for qualified signatures on
//! confirmations; [`QcStatements::qualified_for`] tells whether a
//! certificate is an EU qualified certificate of the given type. The DER is
//! decoded with asn1-rs (the decoder of x509-parser, which does not decode
//! this extension itself).
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::qualified::QcStatements;
//!
//! let pem = std::fs::read_to_string("tests/data/keys/p256.cert.pem")?;
//! let certificate = Certificate::from_pem(&pem)?;
//! // The test certificates carry no QCStatements: not qualified.
//! let statements = QcStatements::of(&certificate)?;
//! assert_eq!(statements, None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use x509_parser::asn1_rs::{self, Any, FromDer, Oid, Sequence, Tag};

use crate::certificate::Certificate;

/// id-etsi-qcs-QcCompliance (EN 319 412-5 §4.2.1).
const QC_COMPLIANCE: &str = "0.4.0.1862.1.1";
/// id-etsi-qcs-QcSSCD (§4.2.2).
const QC_SSCD: &str = "0.4.0.1862.1.4";
/// id-etsi-qcs-QcType (§4.2.3).
const QC_TYPE: &str = "0.4.0.1862.1.6";
/// id-etsi-qct-esign.
const QCT_ESIGN: &str = "0.4.0.1862.1.6.1";
/// id-etsi-qct-eseal.
const QCT_ESEAL: &str = "0.4.0.1862.1.6.2";
/// id-etsi-qct-web.
const QCT_WEB: &str = "0.4.0.1862.1.6.3";

/// The QCStatements of a certificate that this crate reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QcStatements {
    /// QcCompliance: issued as an EU qualified certificate (EN 319 412-5
    /// §4.2.1).
    pub compliance: bool,
    /// QcSSCD: the private key is in a qualified signature or seal creation
    /// device (§4.2.2).
    pub sscd: bool,
    /// QcType: what the certificate is for (§4.2.3); empty without the
    /// statement.
    pub types: Vec<QcType>,
    /// The statement IDs not interpreted here (QcPDS, QcLimitValue,
    /// RFC 3739 semantics, ...), dotted.
    pub other: Vec<String>,
}

/// The certificate types of QcType (EN 319 412-5 §4.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QcType {
    /// id-etsi-qct-esign: electronic signatures (natural persons).
    ESign,
    /// id-etsi-qct-eseal: electronic seals (legal persons, such as a
    /// De-Mail provider).
    ESeal,
    /// id-etsi-qct-web: website authentication.
    Web,
    /// Another type, dotted OID.
    Other(String),
}

/// Why the QCStatements extension could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QcError {
    /// The extension's value is not a `SEQUENCE OF QCStatement`
    /// (RFC 3739 §3.2.6); `statement` is the index of the statement that
    /// broke, when it was one.
    #[error("QCStatements: malformed{}: {cause}", .statement.map(|i| format!(" statement {i}")).unwrap_or_default())]
    Malformed {
        /// The statement's index, `None` for the outer sequence.
        statement: Option<usize>,
        /// The decoder's error.
        cause: asn1_rs::Error,
    },
}

impl QcStatements {
    /// The QCStatements of `certificate`, `None` when it has none.
    ///
    /// # Errors
    /// [`QcError`] when the extension does not decode.
    pub fn of(certificate: &Certificate) -> Result<Option<Self>, QcError> {
        // The extension was found when the certificate was parsed.
        certificate.qc_statements_der().map(Self::from_der).transpose()
    }

    /// Reads the DER value of the qcStatements extension.
    ///
    /// # Errors
    /// [`QcError::Malformed`].
    pub fn from_der(der: &[u8]) -> Result<Self, QcError> {
        let outer = |cause| QcError::Malformed {
            statement: None,
            cause,
        };
        let (rest, sequence) = Sequence::from_der(der).map_err(|e| outer(nom_cause(e)))?;
        if !rest.is_empty() {
            return Err(outer(asn1_rs::Error::InvalidLength));
        }
        let mut statements = QcStatements::default();
        for (index, statement) in sequence.der_iter::<Sequence, asn1_rs::Error>().enumerate() {
            let malformed = |cause| QcError::Malformed {
                statement: Some(index),
                cause,
            };
            let statement = statement.map_err(malformed)?;
            statements.add(&statement.content).map_err(malformed)?;
        }
        Ok(statements)
    }

    /// One `QCStatement ::= SEQUENCE { statementId, statementInfo ANY OPTIONAL }`.
    fn add(&mut self, content: &[u8]) -> Result<(), asn1_rs::Error> {
        let (info, id) = object_identifier(content)?;
        match id.to_id_string().as_str() {
            QC_COMPLIANCE => self.compliance = true,
            QC_SSCD => self.sscd = true,
            QC_TYPE => {
                // QcType ::= SEQUENCE OF OBJECT IDENTIFIER
                let (rest, list) = Sequence::from_der(info).map_err(nom_cause)?;
                if !rest.is_empty() {
                    return Err(asn1_rs::Error::InvalidLength);
                }
                let mut rest: &[u8] = &list.content;
                while !rest.is_empty() {
                    let (next, oid) = object_identifier(rest)?;
                    self.types.push(QcType::from_oid(&oid.to_id_string()));
                    rest = next;
                }
            }
            other => self.other.push(other.to_owned()),
        }
        Ok(())
    }

    /// Whether this is an EU qualified certificate of type `kind`
    /// (QcCompliance and QcType naming `kind`, EN 319 412-5 §4.2.1, §4.2.3).
    /// A certificate without QcType is not taken as any type (D135).
    pub fn qualified_for(&self, kind: &QcType) -> bool {
        self.compliance && self.types.contains(kind)
    }
}

impl QcType {
    fn from_oid(oid: &str) -> Self {
        match oid {
            QCT_ESIGN => QcType::ESign,
            QCT_ESEAL => QcType::ESeal,
            QCT_WEB => QcType::Web,
            other => QcType::Other(other.to_owned()),
        }
    }

    /// `esign`, `eseal`, `web`, or the dotted OID.
    pub fn code(&self) -> &str {
        match self {
            QcType::ESign => "esign",
            QcType::ESeal => "eseal",
            QcType::Web => "web",
            QcType::Other(oid) => oid,
        }
    }
}

/// An OBJECT IDENTIFIER. asn1-rs 0.7's `Oid::from_der` takes the contents
/// of any tag (a NULL reads as an empty OID), so the tag and the
/// contents (non-empty, last byte ends a sub-identifier, X.690 §8.19) are
/// checked here.
fn object_identifier(bytes: &[u8]) -> Result<(&[u8], Oid<'_>), asn1_rs::Error> {
    let (rest, any) = Any::from_der(bytes).map_err(nom_cause)?;
    any.tag().assert_eq(Tag::Oid)?;
    if any.data.last().is_none_or(|last| last & 0x80 != 0) {
        return Err(asn1_rs::Error::invalid_value(
            Tag::Oid,
            "truncated sub-identifier".to_owned(),
        ));
    }
    Ok((rest, Oid::new(any.data.into())))
}

fn nom_cause(error: x509_parser::nom::Err<asn1_rs::Error>) -> asn1_rs::Error {
    match error {
        x509_parser::nom::Err::Error(cause) | x509_parser::nom::Err::Failure(cause) => cause,
        x509_parser::nom::Err::Incomplete(needed) => asn1_rs::Error::Incomplete(needed),
    }
}
