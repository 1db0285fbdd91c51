#!/bin/sh
# Regenerates the S/MIME test vectors of tests/data/e2e/ (TR 01201-3.4 §2.1.3:
# client-side signed or encrypted content passes through De-Mail unchanged).
#
#   sh tests/data/e2e/make_e2e.sh
#
# Needs OpenSSL 3.0 or later. The S/MIME parts are real: encrypted to and
# signed with the test key rsa2048 of tests/data/keys/ (TEST KEYS ONLY).
# Encryption uses random keys, so every run gives new bytes; the tests do not
# depend on the exact bytes, only on the structure and on openssl accepting
# the content again. The PGP vectors (pgp-*.eml, inline-*.eml) are
# hand-written, structurally correct armored blocks, not made by this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
keys="$here/../keys"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The De-Mail header of a minimal normal message, without MIME fields and
# without an integrity value (the tests sign at run time).
header() {
    cat <<'HDR'
Date: Thu, 14 Mar 2024 18:02:41 +0100
From: pn_katze@dmda-b.de-mail.de
To: max.mustermann@dmda-a.de-mail.de
Subject: Vertrauliche Unterlagen
Message-ID: <20240314180241.e2e001@mx.dmda-b.de-mail.de>
x-de-mail-confirmation-of-dispatch: no
x-de-mail-confirmation-of-receipt: no
x-de-mail-confirmation-of-retrieve: no
x-de-mail-authoritative: no
x-de-mail-private: no
x-de-mail-sender: pn_katze@dmda-b.de-mail.de
x-de-mail-chosen-recipient: to=max.mustermann@dmda-a.de-mail.de; bcc=geheim@dmda-c.de-mail.de
x-de-mail-auth-mechanism: password
x-de-mail-auth-level: normal
x-de-mail-originator-provider: mx.dmda-b.de-mail.de
x-de-mail-message-type: normal
x-de-mail-version: 1.8
x-de-mail-message-id: 20240314180241.e2e001@mx.dmda-b.de-mail.de
x-de-mail-account-holder: katze
x-de-mail-actual-recipient: to=max.mustermann@dmda-a.de-mail.de; bcc=geheim@dmda-c.de-mail.de
HDR
}

# LF -> CRLF for the whole file (§3.1.21 condition 4). S/MIME signatures are
# computed over the CRLF-canonical form, so they stay valid.
crlf() { sed -e 's/\r$//' -e 's/$/\r/'; }

printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nDie Unterlagen liegen bei.\r\nFrom here on: vertraulich.\r\n' > "$tmp/inner"

# application/pkcs7-mime; smime-type=enveloped-data
openssl cms -encrypt -in "$tmp/inner" -aes256 -outform SMIME "$keys/rsa2048.cert.pem" > "$tmp/enveloped"
{ header; cat "$tmp/enveloped"; } | crlf > "$here/smime-encrypted.eml"

# application/pkcs7-mime; smime-type=authEnveloped-data (AES-GCM, RFC 5083)
openssl cms -encrypt -in "$tmp/inner" -aes-256-gcm -outform SMIME "$keys/rsa2048.cert.pem" > "$tmp/auth"
{ header; cat "$tmp/auth"; } | crlf > "$here/smime-auth-encrypted.eml"

# multipart/signed; protocol="application/pkcs7-signature" (detached)
openssl cms -sign -in "$tmp/inner" -signer "$keys/rsa2048.cert.pem" -inkey "$keys/rsa2048.key.pem" \
    -md sha256 -outform SMIME > "$tmp/signed"
{ header; cat "$tmp/signed"; } | crlf > "$here/smime-signed.eml"

# application/pkcs7-mime; smime-type=signed-data (opaque)
openssl cms -sign -nodetach -in "$tmp/inner" -signer "$keys/rsa2048.cert.pem" -inkey "$keys/rsa2048.key.pem" \
    -md sha256 -outform SMIME > "$tmp/opaque"
{ header; cat "$tmp/opaque"; } | crlf > "$here/smime-opaque-signed.eml"

# multipart/mixed: a readable text part and an encrypted attachment
{
    header
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="mixed-e2e"\n\n'
    printf -- '--mixed-e2e\nContent-Type: text/plain; charset=us-ascii\n\nAnbei die verschluesselte Anlage.\n\n'
    printf -- '--mixed-e2e\n'
    sed -e '/^MIME-Version:/d' "$tmp/enveloped"
    printf -- '\n--mixed-e2e--\n'
} | crlf > "$here/smime-encrypted-attachment.eml"

echo "wrote S/MIME vectors to $here"
