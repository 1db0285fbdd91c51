//! The parsed-certificate cache (Zertifikatspuffer) of a
//! [`Verifier`](crate::verifier::Verifier): signer certificates from
//! `X-de-mail-signature-certificate` (TR 01201-3.4 §3.1.14) and from
//! `ds:X509Certificate` (§3.5.1), parsed once and kept by the SHA-256 of
//! their DER encoding, with the path each one was found to have to the
//! trust anchors and the time window in which that path holds
//! (docs/decisions.md D191, D192). A certificate that arrived as base64
//! text ([`CertificateCache::certificate_from_base64`]) is found again by
//! that exact text, without decoding or hashing it (D207).
//!
//! The cache is bounded ([`CertificateCache::capacity`], first in, first
//! out), shared behind a [`RwLock`] so a verifier stays `Send + Sync`, and
//! only ever holds time-independent work: a parsed certificate, and a
//! verified path with the window of validity of every certificate on it. A
//! path is only reused at a time inside that window, and only for the
//! trust anchors and intermediates the cache was made for; revocation
//! status is never cached. Errors are never cached: a certificate that
//! does not parse or has no path is checked again every time (fail closed).
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::certificate_cache::CertificateCache;
//!
//! let der = std::fs::read("tests/data/keys/p256.cert.der")?;
//! let cache = CertificateCache::new(Vec::new(), Vec::new(), 2);
//! let first = cache.certificate(&der)?;
//! let again = cache.certificate(&der)?;
//! assert!(std::sync::Arc::ptr_eq(&first, &again)); // parsed once
//! assert_eq!(*first, Certificate::from_der(der)?);
//! assert_eq!(cache.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, PoisonError, RwLock};

use crate::certificate::{Certificate, CertificateError, sha256_fingerprint as fingerprint};

/// The default bound of a [`CertificateCache`]: a provider gateway sees a
/// few hundred provider certificates at most.
pub const DEFAULT_CAPACITY: usize = 1024;

/// SHA-256 of a certificate's DER encoding.
type Fingerprint = [u8; 32];

/// Parsed certificates by the SHA-256 of their DER, bounded, with the
/// verified path of each (see the [module documentation](self)).
#[derive(Debug)]
pub struct CertificateCache {
    trust_anchors: Arc<[Certificate]>,
    intermediates: Arc<[Certificate]>,
    capacity: usize,
    entries: RwLock<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Fingerprint, Entry>,
    /// Insertion order, for first-in-first-out eviction.
    order: VecDeque<Fingerprint>,
    /// The exact base64 texts certificates arrived as, with the fingerprint
    /// of the entry each decoded to (D207): at most `capacity` texts, first
    /// in first out, and never one whose entry was evicted.
    texts: HashMap<Arc<str>, Fingerprint>,
    /// Insertion order of `texts`.
    text_order: VecDeque<(Arc<str>, Fingerprint)>,
}

#[derive(Debug, Clone)]
struct Entry {
    certificate: Arc<Certificate>,
    path: Option<CachedPath>,
}

/// A verified path: the CA certificates on it (the issuer of the
/// certificate first, the trust anchor last, D202), and the seconds since
/// the epoch in which every certificate on the path is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CachedPath {
    pub(crate) path: Vec<Certificate>,
    pub(crate) valid_from: i64,
    pub(crate) valid_until: i64,
}

impl CachedPath {
    /// Whether the path holds at `time` (seconds since the epoch): every
    /// certificate on it is valid then (RFC 5280 §6.1.3 (a)(2)).
    fn holds_at(&self, time: i64) -> bool {
        self.valid_from <= time && time <= self.valid_until
    }
}

impl CertificateCache {
    /// An empty cache of at most `capacity` certificates (at least one), for
    /// paths to `trust_anchors` through `intermediates`.
    pub fn new(trust_anchors: Vec<Certificate>, intermediates: Vec<Certificate>, capacity: usize) -> Self {
        CertificateCache {
            trust_anchors: trust_anchors.into(),
            intermediates: intermediates.into(),
            capacity: capacity.max(1),
            entries: RwLock::new(Entries::default()),
        }
    }

    /// The trust anchors the cached paths lead to.
    pub fn trust_anchors(&self) -> &[Certificate] {
        &self.trust_anchors
    }

    /// The intermediates the cached paths were built with.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// The most certificates the cache holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many certificates the cache holds now.
    pub fn len(&self) -> usize {
        self.read().map.len()
    }

    /// Whether the cache holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The certificate with DER encoding `der`, parsed on the first call
    /// ([`Certificate::from_der`]) and taken from the cache after that.
    ///
    /// # Errors
    /// The parse error, every time: failures are not cached.
    pub fn certificate(&self, der: &[u8]) -> Result<Arc<Certificate>, CertificateError> {
        self.by_der(der).map(|(_, certificate)| certificate)
    }

    /// The certificate whose DER is the base64 `text` (folded or not, as in
    /// `X-de-mail-signature-certificate`, TR 01201-3.4 §3.1.14): found by
    /// the exact text, compared byte for byte, without decoding or hashing
    /// it, when the same text was seen before; otherwise decoded and looked
    /// up as [`CertificateCache::certificate`] does (D207).
    ///
    /// # Errors
    /// [`CertificateError::Encoding`] when `text` is not base64, or the
    /// parse error, every time: failures are not cached.
    pub fn certificate_from_base64(&self, text: &str) -> Result<Arc<Certificate>, CertificateError> {
        {
            let entries = self.read();
            if let Some(entry) = entries.texts.get(text).and_then(|key| entries.map.get(key)) {
                return Ok(Arc::clone(&entry.certificate));
            }
        }
        let der = crate::pem::decode_base64(text).ok_or(CertificateError::Encoding)?;
        let (key, certificate) = self.by_der(&der)?;
        self.insert_text(text, key);
        Ok(certificate)
    }

    fn by_der(&self, der: &[u8]) -> Result<(Fingerprint, Arc<Certificate>), CertificateError> {
        let key = fingerprint(der);
        if let Some(entry) = self.read().map.get(&key)
            && entry.certificate.der() == der
        {
            return Ok((key, Arc::clone(&entry.certificate)));
        }
        let certificate = Certificate::from_der(der.to_vec())?;
        // The key is the SHA-256 of this very DER: kept with the certificate,
        // so that finding its path later needs no second hash (issue 13).
        certificate.keep_fingerprint(key);
        let certificate = Arc::new(certificate);
        self.insert(key, Arc::clone(&certificate));
        Ok((key, certificate))
    }

    /// Whether paths built with `trust_anchors` and `intermediates` may be
    /// cached here: they are the very slices the cache was made for.
    pub(crate) fn serves(&self, trust_anchors: &[Certificate], intermediates: &[Certificate]) -> bool {
        std::ptr::eq(trust_anchors, &*self.trust_anchors) && std::ptr::eq(intermediates, &*self.intermediates)
    }

    /// The cached path of `certificate`, if one holds at `time` (seconds
    /// since the epoch).
    pub(crate) fn path(&self, certificate: &Certificate, time: i64) -> Option<Vec<Certificate>> {
        let entries = self.read();
        let entry = entries.map.get(&certificate.sha256_fingerprint())?;
        if entry.certificate.der() != certificate.der() {
            return None;
        }
        let path = entry.path.as_ref().filter(|path| path.holds_at(time))?;
        Some(path.path.clone())
    }

    /// Records the verified path of `certificate` (only for a certificate
    /// the cache holds).
    pub(crate) fn set_path(&self, certificate: &Certificate, path: CachedPath) {
        let mut entries = self.write();
        if let Some(entry) = entries.map.get_mut(&certificate.sha256_fingerprint())
            && entry.certificate.der() == certificate.der()
        {
            entry.path = Some(path);
        }
    }

    fn insert(&self, key: Fingerprint, certificate: Arc<Certificate>) {
        let mut entries = self.write();
        if entries.map.contains_key(&key) {
            return;
        }
        while entries.map.len() >= self.capacity {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            entries.map.remove(&oldest);
            // No text outlives its entry: a text found again always names
            // the certificate it was decoded to.
            entries.texts.retain(|_, key| *key != oldest);
            entries.text_order.retain(|(_, key)| *key != oldest);
        }
        entries.order.push_back(key);
        entries.map.insert(
            key,
            Entry {
                certificate,
                path: None,
            },
        );
    }

    /// Records that `text` decoded to the certificate of entry `key` (only
    /// while that entry is held).
    fn insert_text(&self, text: &str, key: Fingerprint) {
        let mut entries = self.write();
        if !entries.map.contains_key(&key) || entries.texts.contains_key(text) {
            return;
        }
        while entries.texts.len() >= self.capacity {
            let Some((oldest, _)) = entries.text_order.pop_front() else {
                break;
            };
            entries.texts.remove(&oldest);
        }
        let text: Arc<str> = Arc::from(text);
        entries.text_order.push_back((Arc::clone(&text), key));
        entries.texts.insert(text, key);
    }

    // A poisoned lock still holds consistent maps: no code panics while
    // holding it; an entry found by DER is checked against the DER on use,
    // and a text names only an entry held, confirmed against the DER the
    // text decoded to when it was recorded (D207).
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(name: &str) -> Vec<u8> {
        std::fs::read(format!("tests/data/keys/{name}.cert.der")).unwrap()
    }

    // D191: the cache never holds more than its capacity; the oldest goes first
    #[test]
    fn cache_is_bounded_and_evicts_the_oldest_first() {
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 2);
        let p256 = cache.certificate(&der("p256")).unwrap();
        cache.certificate(&der("p384")).unwrap();
        cache.certificate(&der("rsa3072")).unwrap();
        assert_eq!(cache.len(), 2);
        // p256 was evicted: parsed again, a new allocation equal to the old.
        let again = cache.certificate(&der("p256")).unwrap();
        assert!(!Arc::ptr_eq(&p256, &again));
        assert_eq!(p256, again);
        assert_eq!(cache.len(), 2);
        assert_eq!(CertificateCache::new(Vec::new(), Vec::new(), 0).capacity(), 1);
    }

    // Fail closed: a certificate that does not parse is refused every time and never cached
    #[test]
    fn unparsable_certificates_are_refused_and_not_cached() {
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 4);
        let mut broken = der("p256");
        broken.push(0);
        for _ in 0..2 {
            assert_eq!(
                cache.certificate(&broken),
                Err(CertificateError::TrailingBytes(1))
            );
        }
        assert!(cache.is_empty());
    }

    // D192: a cached path is reused only inside the validity window it was found for
    #[test]
    fn cached_path_holds_only_inside_its_window() {
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 4);
        let signer = cache.certificate(&der("p256")).unwrap();
        let issuer = Certificate::from_der(der("intermediate")).unwrap();
        assert_eq!(cache.path(&signer, 100), None);
        cache.set_path(
            &signer,
            CachedPath {
                path: vec![issuer.clone()],
                valid_from: 50,
                valid_until: 150,
            },
        );
        assert_eq!(cache.path(&signer, 100), Some(vec![issuer]));
        assert_eq!(cache.path(&signer, 49), None);
        assert_eq!(cache.path(&signer, 151), None);
        let other = Certificate::from_der(der("p384")).unwrap();
        assert_eq!(cache.path(&other, 100), None);
    }

    fn base64(name: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(der(name))
    }

    // D207: a text seen before is found by its exact bytes; another folding of the same certificate is the same entry
    #[test]
    fn base64_text_is_found_again_and_foldings_share_one_entry() {
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 4);
        let text = base64("p256");
        let first = cache.certificate_from_base64(&text).unwrap();
        assert!(Arc::ptr_eq(
            &first,
            &cache.certificate_from_base64(&text).unwrap()
        ));
        let folded: String = text
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n ");
        assert!(Arc::ptr_eq(
            &first,
            &cache.certificate_from_base64(&folded).unwrap()
        ));
        assert!(Arc::ptr_eq(&first, &cache.certificate(&der("p256")).unwrap()));
        assert_eq!(cache.len(), 1);
        assert_eq!(*first, Certificate::from_der(der("p256")).unwrap());
    }

    // D207: a text never outlives its certificate's entry, and texts are bounded like entries
    #[test]
    fn base64_texts_are_evicted_with_their_certificate() {
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 1);
        let p256 = cache.certificate_from_base64(&base64("p256")).unwrap();
        let p384 = cache.certificate_from_base64(&base64("p384")).unwrap();
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.read().texts.len(), 1);
        let again = cache.certificate_from_base64(&base64("p256")).unwrap();
        assert!(!Arc::ptr_eq(&p256, &again));
        assert_eq!(*again, Certificate::from_der(der("p256")).unwrap());
        assert_ne!(*again, *p384);
        let entries = cache.read();
        assert_eq!(
            (entries.map.len(), entries.texts.len(), entries.text_order.len()),
            (1, 1, 1)
        );
    }

    // Fail closed: text that is not base64, or not a certificate, is refused every time and never cached
    #[test]
    fn bad_base64_text_is_refused_and_not_cached() {
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 4);
        for _ in 0..2 {
            assert_eq!(
                cache.certificate_from_base64("not base64!"),
                Err(CertificateError::Encoding)
            );
            assert!(cache.certificate_from_base64("AAAA").is_err());
        }
        assert!(cache.is_empty());
        assert!(cache.read().texts.is_empty());
    }

    // D192: paths are cached only for the anchor and intermediate slices the cache was made for
    #[test]
    fn serves_only_its_own_anchor_slices() {
        let anchors = vec![Certificate::from_der(der("ca")).unwrap()];
        let cache = CertificateCache::new(anchors.clone(), Vec::new(), 4);
        assert!(cache.serves(cache.trust_anchors(), cache.intermediates()));
        assert!(!cache.serves(&anchors, cache.intermediates()));
        assert!(!cache.serves(cache.trust_anchors(), &anchors));
    }
}
