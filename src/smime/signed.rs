//! The signature layer: CMS `SignedData` (RFC 5652 §5) in S/MIME form,
//! detached (`multipart/signed`, RFC 8551 §3.5.3) or opaque
//! (`application/pkcs7-mime; smime-type=signed-data`, §3.5.2), and its
//! verification in the terms of PVD FU Schritt 64 (FC-01 integrity
//! violation, FC-02 certificate invalid, FC-03 status not checked).

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::{SenderSignature, SignatureForm, SmimeError, mime, oids};
use crate::certificate::{Certificate, CertificateError};
use crate::crypto::{self, CryptoError, Curve, HashAlgorithm, PublicKey, SignatureScheme};
use crate::integrity::ErrorCase;
use crate::status::{CertificateStatus, Indication};
use crate::trust::VerifyOptions;

/// Why an S/MIME signature does not hold, with its FU error case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The `SignedData` or its attributes do not decode.
    #[error("malformed {structure}: {source}")]
    Malformed {
        /// Which structure.
        structure: &'static str,
        /// The decoder's error.
        source: der::Error,
    },
    /// A digest or signature algorithm the crate does not accept (SHA-1,
    /// RSASSA-PSS, unknown OIDs).
    #[error("unsupported {role} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// `digest` or `signature`.
        role: &'static str,
        /// The OID.
        oid: String,
    },
    /// The signed attributes lack `message-digest` or `content-type`
    /// (RFC 5652 §5.3).
    #[error("the signed attributes lack {0} (RFC 5652 §5.3)")]
    MissingAttribute(&'static str),
    /// The content's digest differs from `message-digest`: the content was
    /// changed.
    #[error("the content does not match the signed message digest (the content was changed)")]
    DigestMismatch,
    /// `content-type` differs from the encapsulated content type.
    #[error("the signed content-type attribute differs from the content type (RFC 5652 §11.1)")]
    ContentTypeMismatch,
    /// The signer's certificate is not in the message.
    #[error("the signer's certificate is not included in the signature")]
    MissingSignerCertificate,
    /// The signature value does not verify with the signer's key.
    #[error("the signature does not verify: {0}")]
    BadSignature(CryptoError),
    /// The signer's certificate is expired, not yet valid, lacks a signature
    /// key usage, has a weak key or does not chain to a trust anchor.
    #[error("{0}")]
    Certificate(CertificateError),
    /// The signer certificate's status fails the
    /// [`StatusPolicy`](crate::trust::StatusPolicy): revoked (FC-02) or
    /// unknown, unavailable or not checked (FC-03).
    #[error("certificate status: {0}")]
    Status(CertificateStatus),
    /// No `From`/`Sender` address of the message is an e-mail address of
    /// the signer's certificate (RFC 8550 §3): the signer is someone else
    /// than the message claims, or the certificate names no address.
    #[error("the signer's certificate names {certificate:?}, the message is from {senders:?} (RFC 8550 §3)")]
    SignerAddressMismatch {
        /// The `From` and `Sender` addresses of the message.
        senders: Vec<String>,
        /// The certificate's rfc822Name SANs and subject emailAddress values.
        certificate: Vec<String>,
    },
}

impl SignatureFailure {
    /// A stable snake_case identifier for reports.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureFailure::Malformed { .. } => "malformed",
            SignatureFailure::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            SignatureFailure::MissingAttribute(_) => "missing_attribute",
            SignatureFailure::DigestMismatch => "digest_mismatch",
            SignatureFailure::ContentTypeMismatch => "content_type_mismatch",
            SignatureFailure::MissingSignerCertificate => "missing_signer_certificate",
            SignatureFailure::BadSignature(_) => "bad_signature",
            SignatureFailure::Certificate(CertificateError::Untrusted(_)) => "untrusted_signer",
            SignatureFailure::Certificate(CertificateError::Expired { .. }) => "signer_expired",
            SignatureFailure::Certificate(CertificateError::NotYetValid { .. }) => "signer_not_yet_valid",
            SignatureFailure::Certificate(_) => "signer_certificate_invalid",
            SignatureFailure::Status(CertificateStatus::Revoked { .. }) => "certificate_revoked",
            SignatureFailure::Status(_) => "status_failed",
            SignatureFailure::SignerAddressMismatch { .. } => "signer_address_mismatch",
        }
    }

    /// The FU error case (PVD FU Schritt 64).
    pub fn case(&self) -> ErrorCase {
        match self {
            SignatureFailure::MissingSignerCertificate
            | SignatureFailure::Certificate(_)
            | SignatureFailure::SignerAddressMismatch { .. } => ErrorCase::Fc02CertificateInvalid,
            SignatureFailure::Status(status) => status.error_case().unwrap_or(ErrorCase::Fc03StatusUnchecked),
            _ => ErrorCase::Fc01IntegrityViolation,
        }
    }
}

/// `{"code", "error_case", "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for SignatureFailure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code(), Some(self.case().id()), self, None)
    }
}

/// The report (D183) with a `verdict` of the integrity report's vocabulary:
/// `pass`, `signer_not_trusted` (valid, no trust anchor reached) or `fail`.
#[cfg(feature = "serde")]
impl serde::Serialize for SignatureReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let verdict = match (&self.failure, self.trusted) {
            (Some(_), _) => "fail",
            (None, Some(true)) => "pass",
            (None, _) => "signer_not_trusted",
        };
        let mut out = serializer.serialize_struct("SignatureReport", 10)?;
        out.serialize_field("verdict", verdict)?;
        out.serialize_field("failure", &self.failure)?;
        out.serialize_field("signature_valid", &self.signature_valid)?;
        out.serialize_field("trusted", &self.trusted)?;
        out.serialize_field("status", &self.status)?;
        out.serialize_field("indication", &self.indication)?;
        out.serialize_field("digest_algorithm", &self.digest_algorithm)?;
        out.serialize_field("signature_algorithm", &self.signature_algorithm)?;
        out.serialize_field("signer_addresses", &self.signer_addresses)?;
        out.serialize_field("signer", &self.signer)?;
        out.end()
    }
}

/// The check of one `SignerInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureReport {
    /// The signer's certificate, when the message carries it.
    pub signer: Option<Certificate>,
    /// The e-mail addresses of the signer's certificate (rfc822Name SANs,
    /// subject emailAddress), compared with `From`/`Sender` (RFC 8550 §3).
    pub signer_addresses: Vec<String>,
    /// The digest algorithm OID's name, e.g. `sha256`.
    pub digest_algorithm: String,
    /// The signature algorithm, e.g. `rsa` or `ec-dsa`.
    pub signature_algorithm: String,
    /// Whether digest and signature value hold (mathematical check).
    pub signature_valid: bool,
    /// Whether the certificate chains to a trust anchor (`None`: no trust
    /// anchors given, or not reached).
    pub trusted: Option<bool>,
    /// The signer certificate's revocation status (FC-02/FC-03).
    pub status: CertificateStatus,
    /// The ETSI EN 319 102-1 indication of the status; `None` when the
    /// status was not reached.
    pub indication: Option<Indication>,
    /// The first failed rule, `None` when everything checked holds.
    pub failure: Option<SignatureFailure>,
}

impl SignatureReport {
    fn new(digest_algorithm: String, signature_algorithm: String) -> Self {
        SignatureReport {
            signer: None,
            signer_addresses: Vec::new(),
            digest_algorithm,
            signature_algorithm,
            signature_valid: false,
            trusted: None,
            status: CertificateStatus::NotChecked,
            indication: None,
            failure: None,
        }
    }

    fn fail(mut self, failure: SignatureFailure) -> Self {
        self.failure = Some(failure);
        self
    }

    /// The FU error case of the failure, if any.
    pub fn case(&self) -> Option<ErrorCase> {
        self.failure.as_ref().map(SignatureFailure::case)
    }

    /// Whether the signature holds and the signer chains to a trust anchor
    /// (a signature without trust anchors never passes).
    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.signature_valid && self.trusted == Some(true)
    }
}

fn malformed(structure: &'static str) -> impl Fn(der::Error) -> SmimeError {
    move |source| SmimeError::Asn1 { structure, source }
}

fn hash_for(key: &PublicKey) -> HashAlgorithm {
    match key {
        PublicKey::Ec {
            curve: Curve::P384 | Curve::BrainpoolP384r1,
            ..
        } => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha256,
    }
}

fn digest_oid(hash: HashAlgorithm) -> ObjectIdentifier {
    match hash {
        HashAlgorithm::Sha256 => oids::SHA256,
        HashAlgorithm::Sha384 => oids::SHA384,
        HashAlgorithm::Sha512 => oids::SHA512,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, SmimeError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(malformed("Attribute"))?;
    Ok(Attribute { oid, values })
}

/// Signs `entity` and returns the signed MIME entity (RFC 8551 §3.5).
pub(crate) fn sign_entity(
    entity: &[u8],
    sign: &SenderSignature<'_>,
    time: SystemTime,
) -> Result<Vec<u8>, SmimeError> {
    let detached = sign.form == SignatureForm::Detached;
    let der = sign_cms(entity, sign, time, detached)?;
    let base64 = mime::base64_lines(&der);
    let mut out = Vec::with_capacity(entity.len() + base64.len() + 512);
    if detached {
        let micalg = match hash_for(&sign.signer.certificate().public_key) {
            HashAlgorithm::Sha384 => "sha-384",
            HashAlgorithm::Sha512 => "sha-512",
            HashAlgorithm::Sha256 => "sha-256",
        };
        let boundary = mime::boundary()?;
        out.extend_from_slice(
            format!(
                "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg={micalg};\r\n boundary=\"{boundary}\"\r\n\r\nThis is an S/MIME signed message (RFC 8551).\r\n\r\n--{boundary}\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(entity);
        out.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(&base64);
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    } else {
        out.extend_from_slice(
            b"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n",
        );
        out.extend_from_slice(&base64);
    }
    Ok(out)
}

/// The DER `ContentInfo` of a `SignedData` over `content` with the signed
/// attributes content-type, signing-time and message-digest (RFC 8551 §2.5).
fn sign_cms(
    content: &[u8],
    sign: &SenderSignature<'_>,
    time: SystemTime,
    detached: bool,
) -> Result<Vec<u8>, SmimeError> {
    let signer = sign.signer;
    let certificate =
        x509_cert::Certificate::from_der(signer.certificate().der()).map_err(malformed("Certificate"))?;
    let hash = hash_for(&signer.certificate().public_key);
    let scheme = signer.default_scheme();
    let digest = hash.digest(content);
    let signing_time = UtcTime::from_system_time(time).map_err(malformed("signingTime"))?;
    let mut attrs = SetOfVec::new();
    for attr in [
        attribute(
            oids::CONTENT_TYPE,
            Any::encode_from(&oids::DATA).map_err(malformed("contentType"))?,
        )?,
        attribute(
            oids::SIGNING_TIME,
            Any::encode_from(&x509_cert::time::Time::UtcTime(signing_time))
                .map_err(malformed("signingTime"))?,
        )?,
        attribute(
            oids::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest).map_err(malformed("messageDigest"))?)
                .map_err(malformed("messageDigest"))?,
        )?,
    ] {
        attrs.insert(attr).map_err(malformed("SignedAttributes"))?;
    }
    let to_sign = attrs.to_der().map_err(malformed("SignedAttributes"))?;
    let signature = signer.sign(scheme, hash, &to_sign).map_err(SmimeError::Signing)?;
    let signature_algorithm = match (scheme, hash) {
        (SignatureScheme::EcDsa, HashAlgorithm::Sha384) => AlgorithmIdentifierOwned {
            oid: oids::ECDSA_SHA384,
            parameters: None,
        },
        (SignatureScheme::EcDsa, _) => AlgorithmIdentifierOwned {
            oid: oids::ECDSA_SHA256,
            parameters: None,
        },
        (_, HashAlgorithm::Sha384) => AlgorithmIdentifierOwned {
            oid: oids::SHA384_WITH_RSA,
            parameters: Some(Any::null()),
        },
        _ => AlgorithmIdentifierOwned {
            oid: oids::SHA256_WITH_RSA,
            parameters: Some(Any::null()),
        },
    };
    let tbs = certificate.tbs_certificate();
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: AlgorithmIdentifierOwned {
            oid: digest_oid(hash),
            parameters: None,
        },
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(malformed("SignatureValue"))?,
        unsigned_attrs: None,
    };
    let econtent = if detached {
        None
    } else {
        Some(
            Any::encode_from(&OctetString::new(content).map_err(malformed("eContent"))?)
                .map_err(malformed("eContent"))?,
        )
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms
        .insert(AlgorithmIdentifierOwned {
            oid: digest_oid(hash),
            parameters: None,
        })
        .map_err(malformed("DigestAlgorithmIdentifiers"))?;
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::DATA,
            econtent,
        },
        certificates: Some(
            CertificateSet::try_from(vec![CertificateChoices::Certificate(certificate)])
                .map_err(malformed("CertificateSet"))?,
        ),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer]).map_err(malformed("SignerInfos"))?,
    };
    ContentInfo {
        content_type: oids::SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(malformed("SignedData"))?,
    }
    .to_der()
    .map_err(malformed("ContentInfo"))
}

/// How many signature layers [`unwrap_signatures`] removes at most
/// (sign, encrypt, sign: RFC 8551 §3.7 triple wrapping).
const MAX_LAYERS: usize = 4;

/// Removes the signature layers of a decrypted entity, verifying each.
pub(crate) fn unwrap_signatures(
    entity: &[u8],
    senders: &[String],
    options: &VerifyOptions<'_>,
) -> Result<(Vec<u8>, Vec<SignatureReport>), SmimeError> {
    let mut current = entity.to_vec();
    let mut reports = Vec::new();
    for _ in 0..MAX_LAYERS {
        match mime::signed_layer(&current)? {
            None => return Ok((current, reports)),
            Some(layer) => {
                let (inner, mut found) = verify_layer(&layer, senders, options)?;
                reports.append(&mut found);
                current = inner;
            }
        }
    }
    // A further layer is not removed silently (docs/decisions.md D69).
    if mime::signed_layer(&current)?.is_some() {
        return Err(SmimeError::SignatureLayer(
            "more than four signature layers (RFC 8551 §3.7 triple wrapping needs at most two)",
        ));
    }
    Ok((current, reports))
}

/// Verifies the signature of a signed entity (detached or opaque).
pub(crate) fn verify_entity(
    entity: &[u8],
    senders: &[String],
    options: &VerifyOptions<'_>,
) -> Result<Vec<SignatureReport>, SmimeError> {
    let layer = mime::signed_layer(entity)?.ok_or(SmimeError::SignatureLayer(
        "not multipart/signed with application/pkcs7-signature nor pkcs7-mime signed-data",
    ))?;
    Ok(verify_layer(&layer, senders, options)?.1)
}

/// Verifies one layer; returns the signed content and a report per signer.
fn verify_layer(
    layer: &mime::SignedLayer,
    senders: &[String],
    options: &VerifyOptions<'_>,
) -> Result<(Vec<u8>, Vec<SignatureReport>), SmimeError> {
    let info = ContentInfo::from_ber(&layer.cms).map_err(malformed("ContentInfo"))?;
    if info.content_type != oids::SIGNED_DATA {
        return Err(SmimeError::SignatureLayer("the CMS object is not SignedData"));
    }
    let signed: SignedData = super::envelope::ber_decode(&info.content).map_err(malformed("SignedData"))?;
    let content = match (&layer.detached, &signed.encap_content_info.econtent) {
        (Some(detached), _) => detached.clone(),
        (None, Some(_)) => encapsulated_octets(&info.content)
            .map_err(malformed("eContent"))?
            .ok_or(SmimeError::SignatureLayer("opaque signed-data without content"))?,
        (None, None) => return Err(SmimeError::SignatureLayer("opaque signed-data without content")),
    };
    if signed.signer_infos.0.is_empty() {
        // RFC 5652 §5.1 allows none (degenerate SignedData), but then
        // nothing is signed: a layer that verifies nothing is refused.
        return Err(SmimeError::SignatureLayer("SignedData without SignerInfos"));
    }
    let certificates: Vec<x509_cert::Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let reports = signed
        .signer_infos
        .0
        .iter()
        .map(|signer| {
            verify_signer(
                signer,
                signed.encap_content_info.econtent_type,
                &content,
                &certificates,
                senders,
                options,
            )
        })
        .collect();
    Ok((content, reports))
}

/// EncapsulatedContentInfo with its content read as an OCTET STRING
/// (RFC 5652 §5.2), so that BER segments are joined.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct EncapsulatedOctets {
    econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    econtent: Option<OctetString>,
}

/// The encapsulated content of a `SignedData`, read with BER rules: a
/// streaming writer (openssl `-stream`) splits the OCTET STRING into
/// constructed segments (X.690 §8.7.3), which an `Any` would keep as raw
/// segment headers.
fn encapsulated_octets(signed_data: &Any) -> der::Result<Option<Vec<u8>>> {
    use der::Reader;
    let mut reader = der::SliceReader::new_with_encoding_rules(signed_data.value(), der::EncodingRules::Ber)?;
    let _version: Any = reader.decode()?;
    let _digest_algorithms: Any = reader.decode()?;
    let encapsulated: EncapsulatedOctets = reader.decode()?;
    Ok(encapsulated.econtent.map(|octets| octets.as_bytes().to_vec()))
}

fn hash_from_oid(oid: ObjectIdentifier) -> Option<HashAlgorithm> {
    match oid {
        o if o == oids::SHA256 => Some(HashAlgorithm::Sha256),
        o if o == oids::SHA384 => Some(HashAlgorithm::Sha384),
        o if o == oids::SHA512 => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

/// The scheme of a signature algorithm OID and the hash it implies, if any.
fn scheme_from_oid(oid: ObjectIdentifier) -> Option<(SignatureScheme, Option<HashAlgorithm>)> {
    Some(match oid {
        o if o == oids::RSA_ENCRYPTION => (SignatureScheme::Rsa, None),
        o if o == oids::SHA256_WITH_RSA => (SignatureScheme::Rsa, Some(HashAlgorithm::Sha256)),
        o if o == oids::SHA384_WITH_RSA => (SignatureScheme::Rsa, Some(HashAlgorithm::Sha384)),
        o if o == oids::SHA512_WITH_RSA => (SignatureScheme::Rsa, Some(HashAlgorithm::Sha512)),
        o if o == oids::EC_PUBLIC_KEY => (SignatureScheme::EcDsa, None),
        o if o == oids::ECDSA_SHA256 => (SignatureScheme::EcDsa, Some(HashAlgorithm::Sha256)),
        o if o == oids::ECDSA_SHA384 => (SignatureScheme::EcDsa, Some(HashAlgorithm::Sha384)),
        o if o == oids::ECDSA_SHA512 => (SignatureScheme::EcDsa, Some(HashAlgorithm::Sha512)),
        _ => return None,
    })
}

fn names_certificate(sid: &SignerIdentifier, cert: &x509_cert::Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            &id.issuer == tbs.issuer() && &id.serial_number == tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

/// The certificates `sid` names (RFC 5652 §5.3), first those in the
/// message, then the caller's; each parsed, those that do not parse left out.
fn signer_candidates(
    sid: &SignerIdentifier,
    certificates: &[x509_cert::Certificate],
    extra: &[Certificate],
) -> Vec<Certificate> {
    let in_message = certificates
        .iter()
        .filter(|c| names_certificate(sid, c))
        .filter_map(|c| c.to_der().ok());
    let from_caller = extra.iter().filter_map(|c| {
        x509_cert::Certificate::from_der(c.der())
            .ok()
            .filter(|parsed| names_certificate(sid, parsed))
            .map(|_| c.der().to_vec())
    });
    in_message
        .chain(from_caller)
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect()
}

/// The single value of a signed attribute.
fn single_value(signer: &SignerInfo, oid: ObjectIdentifier) -> Option<&Any> {
    let attrs = signer.signed_attrs.as_ref()?;
    let attr = attrs.iter().find(|a| a.oid == oid)?;
    if attr.values.len() != 1 {
        return None;
    }
    attr.values.iter().next()
}

/// PVD FU Schritt 64: mathematical check, certificate validity, chain,
/// status; the first failure in that order.
fn verify_signer(
    signer: &SignerInfo,
    content_type: ObjectIdentifier,
    content: &[u8],
    certificates: &[x509_cert::Certificate],
    senders: &[String],
    options: &VerifyOptions<'_>,
) -> SignatureReport {
    let digest_oid = signer.digest_alg.oid;
    let hash = hash_from_oid(digest_oid);
    let scheme = scheme_from_oid(signer.signature_algorithm.oid);
    let mut report = SignatureReport::new(
        hash.map_or_else(|| digest_oid.to_string(), |h| h.as_str().to_owned()),
        scheme.map_or_else(
            || signer.signature_algorithm.oid.to_string(),
            |(s, _)| s.as_str().to_owned(),
        ),
    );
    let Some(hash) = hash else {
        return report.fail(SignatureFailure::UnsupportedAlgorithm {
            role: "digest",
            oid: digest_oid.to_string(),
        });
    };
    let scheme = match scheme {
        Some((scheme, implied)) if implied.is_none_or(|h| h == hash) => scheme,
        _ => {
            return report.fail(SignatureFailure::UnsupportedAlgorithm {
                role: "signature",
                oid: signer.signature_algorithm.oid.to_string(),
            });
        }
    };
    let digest = hash.digest(content);
    // RFC 5652 §5.4: with signed attributes the signature covers their DER
    // SET OF encoding, which must carry the content's digest and type.
    let signed_input = match &signer.signed_attrs {
        Some(attrs) => {
            let Some(message_digest) = single_value(signer, oids::MESSAGE_DIGEST) else {
                return report.fail(SignatureFailure::MissingAttribute("message-digest"));
            };
            let Some(signed_type) = single_value(signer, oids::CONTENT_TYPE) else {
                return report.fail(SignatureFailure::MissingAttribute("content-type"));
            };
            match message_digest.decode_as::<OctetString>() {
                Ok(value) if value.as_bytes() == digest.as_slice() => {}
                Ok(_) => return report.fail(SignatureFailure::DigestMismatch),
                Err(source) => {
                    return report.fail(SignatureFailure::Malformed {
                        structure: "message-digest",
                        source,
                    });
                }
            }
            if signed_type.decode_as::<ObjectIdentifier>().ok() != Some(content_type) {
                return report.fail(SignatureFailure::ContentTypeMismatch);
            }
            match attrs.to_der() {
                Ok(der) => der,
                Err(source) => {
                    return report.fail(SignatureFailure::Malformed {
                        structure: "SignedAttributes",
                        source,
                    });
                }
            }
        }
        None => content.to_vec(),
    };
    // Every certificate the signer identifier names, the message's and the
    // caller's: a look-alike placed first must not hide the real signer
    // (docs/decisions.md D91).
    let mut first_failure = None;
    let mut verified = None;
    for candidate in signer_candidates(&signer.sid, certificates, options.intermediates) {
        match crypto::verify(
            &candidate.public_key,
            scheme,
            hash,
            &signed_input,
            signer.signature.as_bytes(),
        ) {
            Ok(()) => {
                verified = Some(candidate);
                break;
            }
            Err(error) => {
                if first_failure.is_none() {
                    first_failure = Some((candidate, error));
                }
            }
        }
    }
    let certificate = match (verified, first_failure) {
        (Some(certificate), _) => certificate,
        (None, Some((candidate, error))) => {
            report.signer_addresses = certificate_addresses(candidate.der());
            report.signer = Some(candidate);
            return report.fail(SignatureFailure::BadSignature(error));
        }
        (None, None) => return report.fail(SignatureFailure::MissingSignerCertificate),
    };
    report.signer_addresses = certificate_addresses(certificate.der());
    report.signer = Some(certificate.clone());
    report.signature_valid = true;
    if let Err(error) = options.check_certificate(&certificate) {
        return report.fail(SignatureFailure::Certificate(error));
    }
    if !senders
        .iter()
        .any(|s| report.signer_addresses.iter().any(|a| same_address(s, a)))
    {
        let certificate = report.signer_addresses.clone();
        return report.fail(SignatureFailure::SignerAddressMismatch {
            senders: senders.to_vec(),
            certificate,
        });
    }
    let mut issuer = None;
    if !options.trust_anchors.is_empty() {
        let carried: Vec<Certificate> = certificates
            .iter()
            .filter_map(|c| c.to_der().ok())
            .filter_map(|der| Certificate::from_der(der).ok())
            .collect();
        if let Some(chain) = options.verify_path(&certificate, &carried) {
            report.trusted = Some(chain.is_ok());
            match chain {
                Ok(found) => issuer = found.into_iter().next(),
                Err(error) => return report.fail(SignatureFailure::Certificate(error)),
            }
        }
    }
    report.status = options.check_status(&certificate, issuer.as_ref());
    report.indication = Some(options.indication(&report.status));
    if options.status_refuses(&report.status) {
        let failure = SignatureFailure::Status(report.status.clone());
        return report.fail(failure);
    }
    report
}

/// The e-mail addresses a certificate names: rfc822Name entries of the
/// subject alternative name and emailAddress attributes of the subject
/// (RFC 8550 §3, RFC 5280 §4.2.1.6). A certificate that does not parse
/// names none.
fn certificate_addresses(der: &[u8]) -> Vec<String> {
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let mut addresses: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::RFC822Name(address) => Some((*address).to_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    addresses.extend(
        cert.subject()
            .iter_email()
            .filter_map(|value| value.as_str().ok())
            .map(str::to_owned),
    );
    addresses
}

/// RFC 5280 §7.5: the local part of an rfc822Name is compared exactly, the
/// domain without regard to case (docs/decisions.md D90).
fn same_address(a: &str, b: &str) -> bool {
    match (a.trim().rsplit_once('@'), b.trim().rsplit_once('@')) {
        (Some((local_a, domain_a)), Some((local_b, domain_b))) => {
            local_a == local_b && domain_a.eq_ignore_ascii_case(domain_b)
        }
        _ => false,
    }
}
