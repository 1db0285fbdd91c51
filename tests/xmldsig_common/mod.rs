//! Shared helpers of the XML-DSig tests: external tools, temporary
//! directories, and a generator of documents that exercise Canonical XML.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// Whether `tool` can be run. Without it a test skips with a printed reason,
/// except in CI (`CI=true`), where a missing tool fails the test loudly:
/// `.ci/run` installs it.
pub fn tool_available(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is required in CI (Debian packages xmlsec1, libxml2-utils, poppler-utils, qpdf, softhsm2, opensc; .ci/run installs them)"
        );
        // Written to stderr directly, not with eprintln!, so that the test
        // harness does not capture it: a skip must be visible.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {tool} is not installed (apt-get install xmlsec1 libxml2-utils openssl poppler-utils qpdf softhsm2 opensc)"
        );
    }
    found
}

/// A fresh directory under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Deterministic generator of XML documents (xorshift64*).
pub struct DocGenerator {
    state: u64,
}

const PREFIXES: [&str; 4] = ["", "a", "b", "c"];
const URIS: [&str; 4] = [
    "http://example.org/a",
    "urn:example:b",
    "http://example.org/c?x=1;y=%22",
    "",
];
const LOCALS: [&str; 5] = ["e", "f", "g", "item", "x1"];
const VALUE_PIECES: [&str; 16] = [
    "plain", " sp ", "&amp;", "&lt;", "&gt;", "&quot;", "'", "&#xD;", "&#9;", "\t", "\n", "&#10;", "ü", "€",
    ">", "\r\n",
];
const TEXT_PIECES: [&str; 14] = [
    "hello", " ", "\n  ", "&amp;", "&lt;", "&gt;", "&#xD;", "\r\n", "a>b", "ü", "&#169;", "\"", "'", "\r",
];

impl DocGenerator {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        DocGenerator { state: seed | 1 }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.below(items.len())]
    }

    /// One document.
    pub fn document(&mut self) -> Vec<u8> {
        let mut out = String::new();
        if self.chance(50) {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        self.misc(&mut out);
        let mut scope = Vec::new();
        self.element(&mut out, 0, &mut scope);
        self.misc(&mut out);
        out.into_bytes()
    }

    fn misc(&mut self, out: &mut String) {
        for _ in 0..self.below(3) {
            match self.below(3) {
                0 => out.push_str("<!-- outside -->"),
                1 => out.push_str("<?pi   some data ?>"),
                _ => out.push_str("<?empty?>"),
            }
            out.push_str(if self.chance(50) { "\n" } else { "\r\n  " });
        }
    }

    fn element(&mut self, out: &mut String, depth: usize, scope: &mut Vec<(usize, String)>) {
        let mut tag = String::new();
        let mut declared: Vec<&str> = Vec::new();
        for _ in 0..self.below(3) {
            let prefix = self.pick(&PREFIXES);
            if declared.contains(&prefix) {
                continue;
            }
            let mut uri = self.pick(&URIS);
            if !prefix.is_empty() && uri.is_empty() {
                uri = URIS[0];
            }
            declared.push(prefix);
            if prefix.is_empty() {
                tag.push_str(&format!(" xmlns=\"{uri}\""));
            } else {
                tag.push_str(&format!(" xmlns:{prefix}=\"{uri}\""));
                scope.push((depth, prefix.to_owned()));
            }
        }
        let usable: Vec<String> = scope.iter().map(|(_, p)| p.clone()).collect();
        let prefix = if !usable.is_empty() && self.chance(50) {
            usable[self.below(usable.len())].clone()
        } else {
            String::new()
        };
        let local = self.pick(&LOCALS);
        let name = if prefix.is_empty() {
            local.to_owned()
        } else {
            format!("{prefix}:{local}")
        };
        for i in 0..self.below(4) {
            let attr_prefix = if !usable.is_empty() && self.chance(40) {
                format!("{}:", usable[self.below(usable.len())])
            } else {
                String::new()
            };
            let mut value = String::new();
            for _ in 0..self.below(4) {
                value.push_str(self.pick(&VALUE_PIECES));
            }
            tag.push_str(&format!(" {attr_prefix}t{i}=\"{value}\""));
        }
        if self.chance(15) {
            tag.push_str(" xml:lang=\"de\"");
        }
        let children = if depth < 4 { self.below(5) } else { 0 };
        if children == 0 && self.chance(50) {
            out.push_str(&format!("<{name}{tag}/>"));
        } else {
            out.push_str(&format!("<{name}{tag}>"));
            for _ in 0..children {
                match self.below(8) {
                    0 => out.push_str("<![CDATA[x < y & z > w]]>"),
                    1 => out.push_str("<!-- a comment -->"),
                    2 => out.push_str("<?target data  ?>"),
                    3 | 4 => self.element(out, depth + 1, scope),
                    _ => {
                        for _ in 0..1 + self.below(3) {
                            out.push_str(self.pick(&TEXT_PIECES));
                        }
                    }
                }
            }
            out.push_str(&format!("</{name}>"));
        }
        scope.retain(|(d, _)| *d != depth);
    }
}
