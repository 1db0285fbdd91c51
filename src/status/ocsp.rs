//! OCSP (RFC 6960) requests and responses, decoded and encoded by
//! RustCrypto's `x509-ocsp` (feature `ocsp`; docs/decisions.md D128).
//!
//! [`build_request`] makes an `OCSPRequest` for one certificate (certID
//! with SHA-1 or SHA-256, optional nonce, RFC 6960 §4.1.1, RFC 8954);
//! `check_response` verifies a response for it (RFC 6960 §3.2): signed by
//! the issuing CA or by a responder certificate that CA issued with
//! id-kp-OCSPSigning (§4.2.2.2), a `SingleResponse` whose certID matches,
//! the verification time inside `thisUpdate`/`nextUpdate`, and the nonce
//! when one was asked for. [`super::check_status`] calls it for every
//! response of the [`super::Evidence`].
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::status::ocsp::{CertIdHash, build_request};
//!
//! let ca = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/ca.cert.pem")?)?;
//! let sub = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/intermediate.cert.pem")?)?;
//! let request = build_request(&sub, &ca, CertIdHash::Sha256, Some(b"0123456789abcdef"))?;
//! assert_eq!(request[0], 0x30); // a DER SEQUENCE, ready to POST as application/ocsp-request
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime};

use der07::asn1::{Null, ObjectIdentifier, OctetString};
use der07::{Decode, Encode, Header, Reader, SliceReader};
use ring::digest;
use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::EndEntityCert;
use x509_cert02::Certificate as X509;
use x509_cert02::ext::Extension;
use x509_cert02::spki::AlgorithmIdentifierOwned;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, SingleResponse, TbsRequest, Version,
};

use super::{Finding, Responder, Revocation, RevocationReason, StatusOptions};
use crate::certificate::Certificate;
use crate::crypto::chain_algorithms;

/// id-pkix-ocsp-basic (RFC 6960 §4.2.1).
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce (RFC 6960 §4.4.1).
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-sha1.
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// id-sha256.
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
/// id-kp-OCSPSigning (1.3.6.1.5.5.7.3.9), DER contents of the OID.
const OCSP_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09];

/// Why an OCSP response was not used, or a request not built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    /// The response, a certificate in it, or a certificate given does not
    /// decode (RFC 6960 §4.2.1).
    #[error("OCSP: {what} does not decode: {cause}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's error.
        cause: der07::Error,
    },
    /// `responseStatus` is not successful (RFC 6960 §2.3).
    #[error("OCSP: the responder answered {status:?}")]
    NotSuccessful {
        /// The status.
        status: OcspResponseStatus,
    },
    /// A successful response without `responseBytes` (§4.2.1).
    #[error("OCSP: a successful response without responseBytes")]
    NoResponseBytes,
    /// The response is not an id-pkix-ocsp-basic response (§4.2.1).
    #[error("OCSP: response type {oid} is not id-pkix-ocsp-basic")]
    NotBasic {
        /// The `responseType`.
        oid: ObjectIdentifier,
    },
    /// The responder ID names neither the issuer nor a certificate in the
    /// response (§4.2.2.2).
    #[error("OCSP: the responder is neither the issuer nor a certificate in the response")]
    ResponderNotFound,
    /// The responder certificate is not authorized: not issued by the
    /// certificate's issuer, without id-kp-OCSPSigning, or not valid at
    /// `producedAt` (RFC 6960 §4.2.2.2, §3.2 item 3).
    #[error("OCSP: the responder certificate is not authorized by the issuer: {0}")]
    ResponderNotAuthorized(webpki::Error),
    /// The response's signature does not verify with the responder's key
    /// (§3.2 item 2).
    #[error("OCSP: the response signature does not verify")]
    Signature,
    /// No `SingleResponse` is for this certificate (§3.2 item 1).
    #[error("OCSP: the response is not for this certificate")]
    NotForCertificate,
    /// The verification time is not before `nextUpdate`, or, without
    /// `nextUpdate`, more than the allowed age after `thisUpdate`
    /// (§3.2 items 5, 6; §4.2.2.1).
    #[error("OCSP: the verification time is outside the response's window")]
    OutsideWindow {
        /// `thisUpdate`.
        this_update: SystemTime,
        /// `nextUpdate`, if present.
        next_update: Option<SystemTime>,
    },
    /// A nonce was asked for and the response has none (RFC 8954).
    #[error("OCSP: the response carries no nonce")]
    NonceMissing,
    /// The response's nonce is not the request's.
    #[error("OCSP: the response's nonce is not the request's")]
    NonceMismatch,
    /// The certID uses a hash other than SHA-1/256/384/512.
    #[error("OCSP: unsupported certID hash {oid}")]
    UnsupportedHash {
        /// The hash algorithm's OID.
        oid: ObjectIdentifier,
    },
}

impl OcspError {
    /// A stable snake_case code for reports (`ocsp_signature`, ...).
    pub const fn code(&self) -> &'static str {
        match self {
            OcspError::Decode { .. } => "ocsp_decode",
            OcspError::NotSuccessful { .. } => "ocsp_not_successful",
            OcspError::NoResponseBytes => "ocsp_no_response_bytes",
            OcspError::NotBasic { .. } => "ocsp_not_basic",
            OcspError::ResponderNotFound => "ocsp_responder_not_found",
            OcspError::ResponderNotAuthorized(_) => "ocsp_responder_not_authorized",
            OcspError::Signature => "ocsp_signature",
            OcspError::NotForCertificate => "ocsp_not_for_certificate",
            OcspError::OutsideWindow { .. } => "ocsp_outside_window",
            OcspError::NonceMissing => "ocsp_nonce_missing",
            OcspError::NonceMismatch => "ocsp_nonce_mismatch",
            OcspError::UnsupportedHash { .. } => "ocsp_unsupported_hash",
        }
    }
}

fn decode(what: &'static str) -> impl Fn(der07::Error) -> OcspError {
    move |cause| OcspError::Decode { what, cause }
}

/// The hash of a request's certID (RFC 6960 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertIdHash {
    /// SHA-1: what most responders expect (RFC 5019 §2.1.1).
    Sha1,
    /// SHA-256.
    Sha256,
}

/// An `OCSPRequest` (DER) for `certificate`, issued by `issuer`, with a
/// nonce extension when `nonce` is given (RFC 6960 §4.1.1, RFC 8954).
///
/// # Errors
/// [`OcspError::Decode`] when a certificate does not decode.
pub fn build_request(
    certificate: &Certificate,
    issuer: &Certificate,
    hash: CertIdHash,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, OcspError> {
    let certificate = X509::from_der(certificate.der()).map_err(decode("certificate"))?;
    let issuer = X509::from_der(issuer.der()).map_err(decode("issuer certificate"))?;
    let oid = match hash {
        CertIdHash::Sha1 => ID_SHA1,
        CertIdHash::Sha256 => ID_SHA256,
    };
    let req_cert = cert_id(&issuer, &certificate, oid)?;
    let request_extensions = nonce
        .map(|nonce| -> Result<_, der07::Error> {
            Ok(vec![Extension {
                extn_id: ID_PKIX_OCSP_NONCE,
                critical: false,
                extn_value: OctetString::new(Nonce::new(nonce)?.to_der()?)?,
            }])
        })
        .transpose()
        .map_err(decode("nonce"))?;
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::default(),
            requestor_name: None,
            request_list: vec![Request {
                req_cert,
                single_request_extensions: None,
            }],
            request_extensions,
        },
        optional_signature: None,
    };
    request.to_der().map_err(decode("request"))
}

/// The certID of `certificate` by `issuer` with the hash `oid`.
fn cert_id(issuer: &X509, certificate: &X509, oid: ObjectIdentifier) -> Result<CertId, OcspError> {
    let algorithm = hash_algorithm(oid)?;
    let name = issuer
        .tbs_certificate
        .subject
        .to_der()
        .map_err(decode("issuer name"))?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let hash =
        |data: &[u8]| OctetString::new(digest::digest(algorithm, data).as_ref()).map_err(decode("certID"));
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: hash(&name)?,
        issuer_key_hash: hash(key)?,
        serial_number: certificate.tbs_certificate.serial_number.clone(),
    })
}

fn hash_algorithm(oid: ObjectIdentifier) -> Result<&'static digest::Algorithm, OcspError> {
    Ok(match oid {
        ID_SHA1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        ID_SHA256 => &digest::SHA256,
        ID_SHA384 => &digest::SHA384,
        ID_SHA512 => &digest::SHA512,
        oid => return Err(OcspError::UnsupportedHash { oid }),
    })
}

/// A response that passed [`check_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Checked {
    pub(super) finding: Finding,
    pub(super) responder: Responder,
    pub(super) produced_at: SystemTime,
}

/// Verifies the DER `OCSPResponse` `bytes` for `certificate`, issued by
/// `issuer`, at `time` (RFC 6960 §3.2).
pub(super) fn check_response(
    bytes: &[u8],
    certificate: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    options: &StatusOptions,
) -> Result<Checked, OcspError> {
    let response = OcspResponse::from_der(bytes).map_err(decode("OCSPResponse"))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(OcspError::NotSuccessful {
            status: response.response_status,
        });
    }
    let Some(response_bytes) = response.response_bytes else {
        return Err(OcspError::NoResponseBytes);
    };
    if response_bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(OcspError::NotBasic {
            oid: response_bytes.response_type,
        });
    }
    let basic_der = response_bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der).map_err(decode("BasicOCSPResponse"))?;
    let x509_issuer = X509::from_der(issuer.der()).map_err(decode("issuer certificate"))?;
    let x509_certificate = X509::from_der(certificate.der()).map_err(decode("certificate"))?;
    let produced_at = system_time(&basic.tbs_response_data.produced_at);

    // The certID first: a response that does not speak about this
    // certificate is "about another certificate" (D157), whoever signed it —
    // e.g. another CA's responder, when evidence for several signers is
    // pooled (D196). It is not used either way.
    let single = single_response(&basic, &x509_issuer, &x509_certificate)?;
    let (signer_der, responder) = responder(&basic, &x509_issuer, issuer, produced_at)?;
    verify_signature(&basic, basic_der, &signer_der)?;
    let (this_update, next_update) = window(single, time, options)?;
    check_nonce(&basic, options)?;
    let finding = match &single.cert_status {
        CertStatus::Good(_) => Finding::NotRevoked {
            this_update,
            next_update,
        },
        CertStatus::Revoked(info) => Finding::Revoked(Revocation {
            time: system_time(&info.revocation_time),
            reason: info
                .revocation_reason
                .and_then(|reason| RevocationReason::from_code(reason as u32 as u8)),
        }),
        CertStatus::Unknown(_) => Finding::Unknown,
    };
    Ok(Checked {
        finding,
        responder,
        produced_at,
    })
}

/// The signer's certificate (DER) and who it is: the issuer itself, or a
/// delegated responder in `certs` issued by the issuer with
/// id-kp-OCSPSigning, valid at `producedAt` (RFC 6960 §4.2.2.2,
/// docs/decisions.md D129).
fn responder(
    basic: &BasicOcspResponse,
    x509_issuer: &X509,
    issuer: &Certificate,
    produced_at: SystemTime,
) -> Result<(Vec<u8>, Responder), OcspError> {
    let responder_id = &basic.tbs_response_data.responder_id;
    if names_certificate(responder_id, x509_issuer)? {
        return Ok((issuer.der().to_vec(), Responder::Issuer));
    }
    for candidate in basic.certs.iter().flatten() {
        if !names_certificate(responder_id, candidate)? {
            continue;
        }
        let der = candidate.to_der().map_err(decode("responder certificate"))?;
        authorize_delegate(&der, issuer, produced_at).map_err(OcspError::ResponderNotAuthorized)?;
        let subject = Certificate::from_der(der.clone())
            .map(|c| c.subject)
            .unwrap_or_default();
        return Ok((der, Responder::Delegated { subject }));
    }
    Err(OcspError::ResponderNotFound)
}

fn names_certificate(id: &ResponderId, certificate: &X509) -> Result<bool, OcspError> {
    Ok(match id {
        ResponderId::ByName(name) => *name == certificate.tbs_certificate.subject,
        ResponderId::ByKey(hash) => {
            let key = certificate
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes();
            hash.as_bytes() == digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, key).as_ref()
        }
    })
}

/// rustls-webpki's path check of the responder certificate with the issuer
/// as the only anchor and id-kp-OCSPSigning required.
fn authorize_delegate(
    der: &[u8],
    issuer: &Certificate,
    produced_at: SystemTime,
) -> Result<(), webpki::Error> {
    let issuer_der = CertificateDer::from(issuer.der());
    let anchor = webpki::anchor_from_trusted_cert(&issuer_der)?;
    let responder_der = CertificateDer::from(der);
    let responder = EndEntityCert::try_from(&responder_der)?;
    responder
        .verify_for_usage(
            &chain_algorithms(),
            &[anchor],
            &[],
            unix_time(produced_at),
            webpki::KeyUsage::required(OCSP_SIGNING),
            None,
            None,
        )
        .map(|_| ())
}

/// The signature over the exact `tbsResponseData` bytes, by an algorithm
/// whose AlgorithmIdentifier is the response's (RFC 6960 §4.2.1).
fn verify_signature(basic: &BasicOcspResponse, basic_der: &[u8], signer_der: &[u8]) -> Result<(), OcspError> {
    let tbs = tbs_bytes(basic_der).map_err(decode("tbsResponseData"))?;
    let algorithm = basic
        .signature_algorithm
        .to_der()
        .map_err(decode("signatureAlgorithm"))?;
    let algorithm = contents(&algorithm).map_err(decode("signatureAlgorithm"))?;
    let signature = basic.signature.as_bytes().ok_or(OcspError::Signature)?;
    let signer_der = CertificateDer::from(signer_der);
    let signer = EndEntityCert::try_from(&signer_der).map_err(|_| OcspError::Signature)?;
    chain_algorithms()
        .into_iter()
        .filter(|candidate| candidate.signature_alg_id().as_ref() == algorithm)
        .any(|candidate| signer.verify_signature(candidate, tbs, signature).is_ok())
        .then_some(())
        .ok_or(OcspError::Signature)
}

/// The first element of the `BasicOCSPResponse` SEQUENCE, as it is in the
/// input: the signed bytes.
fn tbs_bytes(basic_der: &[u8]) -> Result<&[u8], der07::Error> {
    let mut reader = SliceReader::new(basic_der)?;
    Header::decode(&mut reader)?;
    reader.tlv_bytes()
}

/// The contents of a DER TLV (what rustls-pki-types' AlgorithmIdentifier
/// holds).
fn contents(tlv: &[u8]) -> Result<&[u8], der07::Error> {
    let mut reader = SliceReader::new(tlv)?;
    let header = Header::decode(&mut reader)?;
    reader.read_slice(header.length)
}

/// The `SingleResponse` whose certID is the certificate's, under the hash
/// the responder chose (RFC 6960 §3.2 item 1).
fn single_response<'r>(
    basic: &'r BasicOcspResponse,
    issuer: &X509,
    certificate: &X509,
) -> Result<&'r SingleResponse, OcspError> {
    for single in &basic.tbs_response_data.responses {
        let expected = cert_id(issuer, certificate, single.cert_id.hash_algorithm.oid)?;
        let ours = |id: &CertId| {
            id.issuer_name_hash == expected.issuer_name_hash
                && id.issuer_key_hash == expected.issuer_key_hash
                && id.serial_number == expected.serial_number
        };
        if ours(&single.cert_id) {
            return Ok(single);
        }
    }
    Err(OcspError::NotForCertificate)
}

/// `thisUpdate`/`nextUpdate` against the verification time (RFC 6960 §3.2
/// items 5, 6; docs/decisions.md D130): the time must be before
/// `nextUpdate`; without `nextUpdate`, at most the allowed age after
/// `thisUpdate`. A `thisUpdate` after the time is later evidence and
/// accepted.
fn window(
    single: &SingleResponse,
    time: SystemTime,
    options: &StatusOptions,
) -> Result<(SystemTime, Option<SystemTime>), OcspError> {
    let this_update = system_time(&single.this_update);
    let next_update = single.next_update.as_ref().map(system_time);
    let inside = match next_update {
        Some(next) => time < next,
        None => time
            .duration_since(this_update)
            .map_or(true, |age| age <= options.max_age_without_next_update),
    };
    if inside {
        Ok((this_update, next_update))
    } else {
        Err(OcspError::OutsideWindow {
            this_update,
            next_update,
        })
    }
}

fn check_nonce(basic: &BasicOcspResponse, options: &StatusOptions) -> Result<(), OcspError> {
    let Some(expected) = &options.nonce else {
        return Ok(());
    };
    let extension = basic
        .tbs_response_data
        .response_extensions
        .iter()
        .flatten()
        .find(|extension| extension.extn_id == ID_PKIX_OCSP_NONCE)
        .ok_or(OcspError::NonceMissing)?;
    let nonce = Nonce::from_der(extension.extn_value.as_bytes()).map_err(decode("nonce"))?;
    if nonce.0.as_bytes() == expected.as_slice() {
        Ok(())
    } else {
        Err(OcspError::NonceMismatch)
    }
}

fn system_time(time: &x509_ocsp::OcspGeneralizedTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + time.0.to_unix_duration()
}

fn unix_time(time: SystemTime) -> UnixTime {
    UnixTime::since_unix_epoch(
        time.duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO),
    )
}
