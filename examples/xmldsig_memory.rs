//! Feeds one adversarial document of at most `MAX_DOCUMENT_BYTES` to
//! `xmldsig::verify` (or `sign_enveloped`) and prints the outcome, so peak
//! memory can be measured from outside:
//!
//! ```text
//! cargo build --release --example xmldsig_memory
//! /usr/bin/time -f %M target/release/examples/xmldsig_memory elements
//! ```
//!
//! Kinds: `elements` (`<r>` + `<a/>`... + `</r>`), `references` (a body of
//! `&amp;`), `gt` (a body of `>`, which C14N writes as `&gt;`), `ids`
//! (`<a Id="x"/>`...), `exc-namespaces` (one long namespace URI used by
//! many siblings, each of which Exclusive C14N would redeclare it on),
//! `sign-elements` (signing the `elements` document with a test key),
//! `verify-signed` (signing it, then verifying the result), `signature-elements`
//! (a `ds:Signature` padded with `<a/>` children).

use std::time::Instant;

use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::xmldsig::{MAX_DOCUMENT_BYTES, XmlSignOptions, sign_enveloped, verify};

fn fill(head: &str, unit: &str, tail: &str) -> Vec<u8> {
    fill_to(MAX_DOCUMENT_BYTES, head, unit, tail)
}

fn fill_to(size: usize, head: &str, unit: &str, tail: &str) -> Vec<u8> {
    let count = (size - head.len() - tail.len()) / unit.len();
    let mut xml = String::with_capacity(size);
    xml.push_str(head);
    for _ in 0..count {
        xml.push_str(unit);
    }
    xml.push_str(tail);
    xml.into_bytes()
}

fn exc_namespaces() -> Vec<u8> {
    // Half the budget for the URI, half for `<p:a/>` siblings.
    let uri = format!("urn:{}", "u".repeat(MAX_DOCUMENT_BYTES / 2));
    let head = format!("<r xmlns:p=\"{uri}\">");
    let signature = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
<ds:Reference URI=\"\"><ds:Transforms>\
<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>\
<ds:SignatureValue>AAAA</ds:SignatureValue><ds:KeyInfo><ds:X509Data>\
<ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></r>";
    fill(&head, "<p:a/>", signature)
}

fn signer() -> CertifiedKey {
    let key = SigningKey::from_pkcs8_pem(include_str!("../tests/data/keys/p256.key.pem")).expect("test key");
    let certificate =
        Certificate::from_pem(include_str!("../tests/data/keys/p256.cert.pem")).expect("test certificate");
    CertifiedKey::new(key, certificate).expect("key and certificate belong together")
}

fn main() {
    let kind = std::env::args().nth(1).unwrap_or_else(|| "elements".into());
    let xml = match kind.as_str() {
        "elements" | "sign-elements" => fill("<r>", "<a/>", "</r>"),
        "references" => fill("<r>", "&amp;", "</r>"),
        "gt" => fill("<r>", ">", "</r>"),
        "ids" => fill("<r>", "<a Id=\"x\"/>", "</r>"),
        "exc-namespaces" => exc_namespaces(),
        // Room for the signature: 4 KiB less than the limit.
        "verify-signed" => fill_to(MAX_DOCUMENT_BYTES - 4096, "<r>", "<a/>", "</r>"),
        "signature-elements" => fill(
            "<r><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
            "<a/>",
            "</ds:Signature></r>",
        ),
        other => {
            eprintln!("unknown kind {other}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    if kind == "verify-signed" {
        let signer = signer();
        let signed = sign_enveloped(&xml, &XmlSignOptions::new(&signer)).expect("signs");
        let started = Instant::now();
        let outcome = verify(&signed, &VerifyOptions::default());
        let outcome = outcome.map(|r| (r.digest_ok, r.signature_ok, r.signed_content().len()));
        println!(
            "{kind}: {} signed bytes, (digest_ok, signature_ok, signed content): {outcome:?}",
            signed.len()
        );
        println!("{:.2} s verifying", started.elapsed().as_secs_f64());
        return;
    }
    if kind == "sign-elements" {
        let signer = signer();
        let signed = sign_enveloped(&xml, &XmlSignOptions::new(&signer));
        println!(
            "{kind}: {} input bytes, signed: {:?}",
            xml.len(),
            signed.map(|s| s.len())
        );
    } else {
        let outcome = verify(&xml, &VerifyOptions::default());
        println!(
            "{kind}: {} input bytes, {:?}",
            xml.len(),
            outcome.map(|r| r.passed())
        );
    }
    println!("{:.2} s", started.elapsed().as_secs_f64());
}
