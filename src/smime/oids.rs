//! The object identifiers of CMS and S/MIME this module reads and writes.

use der::asn1::ObjectIdentifier as Oid;

/// id-data (RFC 5652 §4).
pub(crate) const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652 §5).
pub(crate) const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-envelopedData (RFC 5652 §6).
pub(crate) const ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
/// id-ct-authEnvelopedData (RFC 5083 §1).
pub(crate) const AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");

/// id-contentType, id-messageDigest, id-signingTime (RFC 5652 §11).
pub(crate) const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

/// AES content encryption (RFC 3565, RFC 5084).
pub(crate) const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
pub(crate) const AES192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
pub(crate) const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
pub(crate) const AES128_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.6");
pub(crate) const AES256_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.46");
/// AES key wrap (RFC 3394, RFC 3565 §2.3.2).
pub(crate) const AES128_WRAP: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.5");
pub(crate) const AES192_WRAP: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.25");
pub(crate) const AES256_WRAP: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.45");

/// rsaEncryption: PKCS#1 v1.5 key transport / signature key.
pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// id-RSAES-OAEP (RFC 8017, RFC 4055 §4).
pub(crate) const RSAES_OAEP: Oid = Oid::new_unwrap("1.2.840.113549.1.1.7");
/// id-mgf1 (RFC 8017 B.2.1).
pub(crate) const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// id-pSpecified (RFC 8017 A.2.1).
pub(crate) const P_SPECIFIED: Oid = Oid::new_unwrap("1.2.840.113549.1.1.9");
/// sha256/384/512WithRSAEncryption (RFC 4055 §5).
pub(crate) const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
pub(crate) const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
pub(crate) const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");

/// id-ecPublicKey (RFC 5480).
pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// ecdsa-with-SHA256/384/512 (RFC 5758 §3.2).
pub(crate) const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
pub(crate) const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

/// The digest algorithms (RFC 5754 §2).
pub(crate) const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

/// dhSinglePass-stdDH-*kdf-scheme (RFC 5753 §7.1.4).
pub(crate) const ECDH_SHA1_KDF: Oid = Oid::new_unwrap("1.3.133.16.840.63.0.2");
pub(crate) const ECDH_SHA224_KDF: Oid = Oid::new_unwrap("1.3.132.1.11.0");
pub(crate) const ECDH_SHA256_KDF: Oid = Oid::new_unwrap("1.3.132.1.11.1");
pub(crate) const ECDH_SHA384_KDF: Oid = Oid::new_unwrap("1.3.132.1.11.2");
pub(crate) const ECDH_SHA512_KDF: Oid = Oid::new_unwrap("1.3.132.1.11.3");
