//! Canonical XML 1.0 and Exclusive XML Canonicalization 1.0: the examples
//! of the W3C recommendations, and agreement with libxml2 (`xmllint --c14n`,
//! `xmllint --exc-c14n`) on generated documents.
//!
//! The examples are in tests/data/xmldsig/c14n/; their README says which
//! ones are left out and why (they need a DTD, which this crate refuses).
#![cfg(feature = "xml")]

mod xmldsig_common;
use xmldsig_common as common;

use std::path::Path;

use demail::xml::XmlError;
use demail::xmldsig::{Canonicalization, XmlDsigError, canonicalize, canonicalize_element};

const DIR: &str = "tests/data/xmldsig/c14n";

fn example(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(DIR).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn exclusive() -> Canonicalization {
    Canonicalization::Exclusive {
        inclusive_prefixes: vec![],
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("canonical XML is UTF-8")
}

// C14N 1.0 §3.1: PIs, comments, and content outside the document element.
// (The example's `<!DOCTYPE doc SYSTEM "doc.dtd">` line is removed, see README.)
#[test]
fn c14n_3_1_pis_comments_and_outside_of_document_element() {
    let input = example("3.1-input.xml");
    let canonical = canonicalize(&input, &Canonicalization::Inclusive).unwrap();
    assert_eq!(text(&canonical), text(&example("3.1-c14n.xml")));
    let with_comments = canonicalize(&input, &Canonicalization::InclusiveWithComments).unwrap();
    assert_eq!(text(&with_comments), text(&example("3.1-c14n-with-comments.xml")));
}

// C14N 1.0 §3.1 as published, with its DOCTYPE: refused, never processed.
#[test]
fn c14n_3_1_with_its_doctype_is_refused() {
    let mut input = b"<!DOCTYPE doc SYSTEM \"doc.dtd\">\n".to_vec();
    input.extend_from_slice(&example("3.2-input.xml"));
    assert!(matches!(
        canonicalize(&input, &Canonicalization::Inclusive),
        Err(XmlDsigError::Xml(XmlError::Doctype { offset: 0 }))
    ));
}

// C14N 1.0 §3.2: white space in document content is kept.
#[test]
fn c14n_3_2_whitespace_in_document_content() {
    let canonical = canonicalize(&example("3.2-input.xml"), &Canonicalization::Inclusive).unwrap();
    assert_eq!(text(&canonical), text(&example("3.2-c14n.xml")));
}

// C14N 1.0 §3.3: start and end tags, attribute order, superfluous namespace
// declarations, xmlns="". Without the example's internal DTD subset, e9 has
// no defaulted attr="default" (see README).
#[test]
fn c14n_3_3_start_and_end_tags() {
    let canonical = canonicalize(&example("3.3-input.xml"), &Canonicalization::Inclusive).unwrap();
    assert_eq!(text(&canonical), text(&example("3.3-c14n.xml")));
}

// C14N 1.0 §3.4: character modifications and character references. Without
// the DTD, normNames and normId are CDATA attributes (see README).
#[test]
fn c14n_3_4_character_modifications_and_references() {
    let canonical = canonicalize(&example("3.4-input.xml"), &Canonicalization::Inclusive).unwrap();
    assert_eq!(text(&canonical), text(&example("3.4-c14n.xml")));
}

// C14N 1.0 §3.5 uses entities declared in a DTD: an undefined entity is an error.
#[test]
fn c14n_3_5_entity_references_without_dtd_are_undefined() {
    let input = b"<doc attrExtEnt=\"entExt\">&ent1;, &ent2;!</doc>";
    assert!(matches!(
        canonicalize(input, &Canonicalization::Inclusive),
        Err(XmlDsigError::Xml(XmlError::Entity { ref name, .. })) if name == "ent1"
    ));
}

// C14N 1.0 §3.6: the output is UTF-8; &#169; becomes the two bytes of ©.
// The example declares ISO-8859-1, which the one XML reader transcodes (D83,
// superseding D23's UTF-8 only): the reference and a raw Latin-1 byte give the
// same UTF-8 output. Encodings other than UTF-8, UTF-16 and ISO-8859-1 are
// refused.
#[test]
fn c14n_3_6_utf8_encoding() {
    let canonical = canonicalize(b"<doc>&#169;</doc>", &Canonicalization::Inclusive).unwrap();
    assert_eq!(canonical, b"<doc>\xC2\xA9</doc>");
    let declared = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc>&#169;</doc>";
    assert_eq!(
        canonicalize(declared, &Canonicalization::Inclusive).unwrap(),
        b"<doc>\xC2\xA9</doc>"
    );
    let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc>\xA9</doc>";
    assert_eq!(
        canonicalize(latin1, &Canonicalization::Inclusive).unwrap(),
        b"<doc>\xC2\xA9</doc>"
    );
    let other = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<doc/>";
    assert!(matches!(
        canonicalize(other, &Canonicalization::Inclusive),
        Err(XmlDsigError::Xml(XmlError::Encoding { .. }))
    ));
}

// C14N 1.0 §2.4 / §3.7 (document subsets): the apex of a subtree gets the
// namespaces in scope and the xml:* attributes of its omitted ancestors.
#[test]
fn c14n_2_4_subtree_inherits_namespaces_and_xml_attributes() {
    let input = br#"<doc xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org" xml:lang="en" xml:space="preserve"><e1 xml:lang="de"><e2 xmlns=""><e3 id="E3"/></e2></e1></doc>"#;
    let e2 = canonicalize_element(input, &Canonicalization::Inclusive, "", "e2").unwrap();
    assert_eq!(
        text(&e2),
        r#"<e2 xmlns:w3c="http://www.w3.org" xml:lang="de" xml:space="preserve"><e3 id="E3"></e3></e2>"#
    );
    let e2 = canonicalize_element(input, &exclusive(), "", "e2").unwrap();
    assert_eq!(text(&e2), r#"<e2><e3 id="E3"></e3></e2>"#);
}

const EXC_FIRST: &[u8] = br#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org">
  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
    <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2>
</n0:local>"#;

const EXC_SECOND: &[u8] =
    br#"<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain">
  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
    <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2>
</n2:pdu>"#;

// Exc-C14N 1.0 §1.1 / §2.2: the same n1:elem2 subtree in two contexts.
// Inclusive C14N carries the context in; exclusive C14N gives one result.
#[test]
fn exc_c14n_2_2_inclusive_carries_the_context() {
    let first = canonicalize_element(
        EXC_FIRST,
        &Canonicalization::Inclusive,
        "http://example.net",
        "elem2",
    )
    .unwrap();
    assert_eq!(
        text(&first),
        "<n1:elem2 xmlns:n0=\"foo:bar\" xmlns:n1=\"http://example.net\" xmlns:n3=\"ftp://example.org\" xml:lang=\"en\">\n    <n3:stuff></n3:stuff>\n  </n1:elem2>"
    );
    let second = canonicalize_element(
        EXC_SECOND,
        &Canonicalization::Inclusive,
        "http://example.net",
        "elem2",
    )
    .unwrap();
    assert_eq!(
        text(&second),
        "<n1:elem2 xmlns:n1=\"http://example.net\" xmlns:n2=\"http://foo.example\" xml:lang=\"en\" xml:space=\"retain\">\n    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>"
    );
}

#[test]
fn exc_c14n_2_2_exclusive_is_independent_of_the_context() {
    let expected = "<n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>";
    for input in [EXC_FIRST, EXC_SECOND] {
        let canonical = canonicalize_element(input, &exclusive(), "http://example.net", "elem2").unwrap();
        assert_eq!(text(&canonical), expected);
    }
}

// Exc-C14N 1.0 §3: prefixes in the InclusiveNamespaces PrefixList are
// treated as by inclusive C14N.
#[test]
fn exc_c14n_3_inclusive_namespaces_prefix_list() {
    let method = Canonicalization::Exclusive {
        inclusive_prefixes: vec!["n0".into(), "#default".into()],
    };
    let canonical = canonicalize_element(EXC_FIRST, &method, "http://example.net", "elem2").unwrap();
    assert_eq!(
        text(&canonical),
        "<n1:elem2 xmlns:n0=\"foo:bar\" xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>"
    );
    let with_default = br#"<r xmlns="urn:d" xmlns:p="urn:p"><p:e><f/></p:e></r>"#;
    let canonical = canonicalize_element(with_default, &method, "urn:p", "e").unwrap();
    assert_eq!(
        text(&canonical),
        r#"<p:e xmlns="urn:d" xmlns:p="urn:p"><f></f></p:e>"#
    );
}

// Exc-C14N 1.0 §3: a prefix is rendered where it is visibly utilized, an
// empty default namespace only to undo a rendered one.
#[test]
fn exc_c14n_3_visibly_utilized_namespaces() {
    let input =
        br#"<a xmlns="urn:a" xmlns:p="urn:p" xmlns:q="urn:q"><b p:x="1"><c xmlns=""><q:d/></c></b></a>"#;
    let canonical = canonicalize(input, &exclusive()).unwrap();
    assert_eq!(
        text(&canonical),
        r#"<a xmlns="urn:a"><b xmlns:p="urn:p" p:x="1"><c xmlns=""><q:d xmlns:q="urn:q"></q:d></c></b></a>"#
    );
}

// C14N 1.0 §2.1: relative namespace URIs make canonicalization fail.
#[test]
fn c14n_2_1_relative_namespace_uri_fails() {
    assert!(matches!(
        canonicalize(br#"<a xmlns="relative/ns"/>"#, &Canonicalization::Inclusive),
        Err(XmlDsigError::Xml(XmlError::RelativeNamespaceUri { .. }))
    ));
}

// C14N 1.0 §2.2 (XML 1.0 §2.11): CR LF and lone CR read as LF; a CR from a
// character reference is kept and written as &#xD;.
#[test]
fn c14n_2_2_line_ends_are_normalized() {
    let canonical = canonicalize(
        b"<a t=\"x\r\ny\">1\r\n2\r3&#13;</a>\r\n",
        &Canonicalization::Inclusive,
    )
    .unwrap();
    assert_eq!(text(&canonical), "<a t=\"x y\">1\n2\n3&#xD;</a>");
}

// C14N is idempotent on its own output.
#[test]
fn canonical_form_is_a_fixed_point() {
    for name in ["3.1-input.xml", "3.2-input.xml", "3.3-input.xml", "3.4-input.xml"] {
        for method in [Canonicalization::InclusiveWithComments, exclusive()] {
            let once = canonicalize(&example(name), &method).unwrap();
            let twice = canonicalize(&once, &method).unwrap();
            assert_eq!(text(&once), text(&twice), "{name} {method:?}");
        }
    }
}

/// xmllint's canonical form of `doc` (`--c14n` or `--exc-c14n`, both with comments).
fn xmllint(doc: &[u8], flag: &str, dir: &Path, n: usize) -> Vec<u8> {
    let path = dir.join(format!("doc{n}.xml"));
    std::fs::write(&path, doc).unwrap();
    let output = std::process::Command::new("xmllint")
        .arg(flag)
        .arg(&path)
        .output()
        .expect("run xmllint");
    assert!(
        output.status.success(),
        "xmllint {flag} failed on {}:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(doc),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

// Agreement with libxml2 on generated documents with namespaces (default,
// prefixed, undeclared with xmlns=""), attributes, xml:lang, comments, PIs,
// CDATA, character and entity references, CR LF.
#[test]
fn c14n_agrees_with_xmllint_on_generated_documents() {
    if !common::tool_available("xmllint") {
        return;
    }
    let dir = common::temp_dir("c14n-xmllint");
    let mut generator = common::DocGenerator::new(0x5EED_C14A);
    for n in 0..150 {
        let doc = generator.document();
        let ours = canonicalize(&doc, &Canonicalization::InclusiveWithComments)
            .unwrap_or_else(|e| panic!("{e} on:\n{}", String::from_utf8_lossy(&doc)));
        assert_eq!(
            text(&ours),
            text(&xmllint(&doc, "--c14n", &dir, n)),
            "inclusive C14N differs on:\n{}",
            String::from_utf8_lossy(&doc)
        );
        let exclusive = canonicalize(
            &doc,
            &Canonicalization::ExclusiveWithComments {
                inclusive_prefixes: vec![],
            },
        )
        .unwrap();
        assert_eq!(
            text(&exclusive),
            text(&xmllint(&doc, "--exc-c14n", &dir, n)),
            "exclusive C14N differs on:\n{}",
            String::from_utf8_lossy(&doc)
        );
        // Without comments: the canonical form with comments, canonicalized without them.
        let without = canonicalize(&doc, &Canonicalization::Inclusive).unwrap();
        let again = canonicalize(&ours, &Canonicalization::Inclusive).unwrap();
        assert_eq!(text(&without), text(&again));
    }
}

// C14N 1.0 §2.3 / §4.7: attributes sort by namespace URI then local name
// (unqualified first); the xml namespace is never declared in the output.
#[test]
fn c14n_2_3_attribute_order_and_the_xml_namespace() {
    let input = "<a xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xml:lang=\"en\" xmlns:z=\"urn:z\" \
                 xmlns:y=\"urn:y\" z:b=\"1\" y:b=\"2\" b=\"0\"><?p?><b xmlns:z=\"urn:z2\" z:c=\"&#x85;\"/></a>";
    let expected = "<a xmlns:y=\"urn:y\" xmlns:z=\"urn:z\" b=\"0\" xml:lang=\"en\" y:b=\"2\" z:b=\"1\"><?p?>\
                    <b xmlns:z=\"urn:z2\" z:c=\"\u{85}\"></b></a>";
    for method in [Canonicalization::Inclusive, exclusive()] {
        let canonical = canonicalize(input.as_bytes(), &method).unwrap();
        assert_eq!(text(&canonical), expected, "{method:?}");
    }
}
