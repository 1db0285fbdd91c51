#!/bin/sh
# make_keys.sh: regenerates the TEST PKI of the demail integrity tests.
#
# !!! TEST KEYS ONLY !!!  Every private key in this folder is public, because
# it is committed to the repository. Never use one of them, or a certificate
# issued by ca.cert.pem, outside the test suite.
#
# Usage (any POSIX sh, OpenSSL 3.0 or later on PATH):
#
#   sh tests/data/keys/make_keys.sh               regenerate every file
#   sh tests/data/keys/make_keys.sh --check       regenerate, then run the checks
#   sh tests/data/keys/make_keys.sh --check-only  check the existing files only
#   ONLY="bp-ca bp-signer" sh tests/data/keys/make_keys.sh   just these pairs
#
# Regenerating makes NEW key material (keys are random; only the names,
# serial numbers, extensions and validity dates are fixed), so every
# signature that was made with the old keys stops verifying. Re-sign such
# fixtures after a regeneration. --check-only changes nothing.
#
# Files (all PEM unless .der; keys are unencrypted PKCS#8 "BEGIN PRIVATE
# KEY", version 0, EC keys with named curves and the public key embedded):
#
#   ca.key.pem / ca.cert.pem                 "demail Test Root CA", EC P-384,
#                                            self-signed, the trust anchor
#   intermediate.key.pem / .cert.pem         "demail Test Provider CA", EC
#                                            P-384, CA:TRUE pathlen:0, by root
#   rsa3072.key.pem / .cert.pem              provider signing cert, RSA 3072
#   rsa2048.key.pem / .cert.pem              RSA 2048 (smallest allowed RSA)
#   p256.key.pem / .cert.pem                 EC prime256v1 (NIST P-256)
#   p384.key.pem / .cert.pem                 EC secp384r1 (NIST P-384)
#   bp256.key.pem / .cert.pem                EC brainpoolP256r1
#   bp384.key.pem / .cert.pem                EC brainpoolP384r1
#   short-lived.key.pem / .cert.pem          EC P-256, valid only
#                                            2025-01-01..2025-06-30T23:59:59Z
#   no-signature-usage.key.pem / .cert.pem   EC P-256, keyUsage
#                                            keyEncipherment,keyAgreement only
#   rsa1024.key.pem / .cert.pem              RSA 1024 (too weak)
#   untrusted-ca.key.pem / .cert.pem         "Evil Root CA", EC P-256,
#                                            self-signed, NOT a trust anchor
#   untrusted.key.pem / .cert.pem            EC P-256 end entity issued by
#                                            the Evil Root CA
#   bp-ca.key.pem / .cert.pem                "demail Brainpool Root CA",
#                                            brainpoolP384r1, self-signed with
#                                            ecdsa-with-SHA384 (a chain signed
#                                            with brainpool, as German QES CAs are)
#   bp-signer.key.pem / .cert.pem            brainpoolP256r1 end entity issued
#                                            by bp-ca
#   rsa2048-enc, p256-enc, p384-enc,         encryption certificates (S/MIME
#   bp256-enc, bp384-enc .key.pem/.cert.pem  recipients, RFC 8550 §4.4.2): keyUsage
#                                            critical keyEncipherment (RSA) or
#                                            keyAgreement (EC) only
#   rsa2048-dual.key.pem / .cert.pem         RSA 2048, keyUsage digitalSignature,
#                                            keyEncipherment (sign and encrypt to self)
#   <name>.cert.der                          DER copy of each <name>.cert.pem
#
# The end-entity certs (all but ca, intermediate, untrusted-ca) are issued by the
# intermediate, except untrusted.cert.pem (by untrusted-ca). They have subject
# "C=DE, O=DMDA A GmbH, CN=DMDA A Signaturdienst <name>", basicConstraints
# CA:FALSE, keyUsage critical digitalSignature,nonRepudiation (except
# no-signature-usage), extendedKeyUsage emailProtection, subjectAltName
# email:Versandbestaetigung@dmda-a.de-mail.de, and SKI and AKI.
# Validity is 2025-01-01T00:00:00Z..2045-01-01T00:00:00Z for all but
# short-lived. See README.md for the serial numbers and which test uses which.
#
# How the fixed dates are set: OpenSSL 3.0's "x509 -req" has no notBefore
# option, so every certificate (including the self-signed roots, via
# "-selfsign") is issued by "openssl ca -startdate ... -enddate ..." with a
# throw-away CA database in a temporary directory. "-preserveDN" keeps the
# subject's RDN order as given in -subj.

set -eu

START=20250101000000Z        # 2025-01-01T00:00:00Z
END=20450101000000Z          # 2045-01-01T00:00:00Z
SHORT_END=20250630235959Z    # 2025-06-30T23:59:59Z
AT_NOW=1795478400            # 2026-11-24T00:00:00Z: short-lived is expired
AT_SHORT=1740787200          # 2025-03-01T00:00:00Z: short-lived is valid
SAN_EMAIL=Versandbestaetigung@dmda-a.de-mail.de

# One line per key/cert pair, in issuing order:
# name|key|issuer|serial (hex)|extensions|notAfter|digest|subject
PAIRS="\
ca|ec:secp384r1|self|1000|ext_root|$END|sha384|/C=DE/O=demail Test PKI/CN=demail Test Root CA
intermediate|ec:secp384r1|ca|2000|ext_provider_ca|$END|sha384|/C=DE/O=demail Test PKI/CN=demail Test Provider CA
rsa3072|rsa:3072|intermediate|3001|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst rsa3072
rsa2048|rsa:2048|intermediate|3002|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst rsa2048
p256|ec:prime256v1|intermediate|3003|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst p256
p384|ec:secp384r1|intermediate|3004|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst p384
bp256|ec:brainpoolP256r1|intermediate|3005|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst bp256
bp384|ec:brainpoolP384r1|intermediate|3006|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst bp384
short-lived|ec:prime256v1|intermediate|3007|ext_signer|$SHORT_END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst short-lived
no-signature-usage|ec:prime256v1|intermediate|3008|ext_no_signature|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst no-signature-usage
rsa1024|rsa:1024|intermediate|3009|ext_signer|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst rsa1024
untrusted-ca|ec:prime256v1|self|E000|ext_root|$END|sha256|/C=DE/O=Evil Test PKI/CN=Evil Root CA
untrusted|ec:prime256v1|untrusted-ca|E001|ext_signer|$END|sha256|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst untrusted
bp-ca|ec:brainpoolP384r1|self|B000|ext_root|$END|sha384|/C=DE/O=demail Brainpool Test PKI/CN=demail Brainpool Root CA
bp-signer|ec:brainpoolP256r1|bp-ca|B001|ext_signer|$END|sha256|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst bp-signer
rsa2048-enc|rsa:2048|intermediate|300A|ext_encrypt_rsa|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Verschluesselung rsa2048-enc
p256-enc|ec:prime256v1|intermediate|300B|ext_encrypt_ec|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Verschluesselung p256-enc
p384-enc|ec:secp384r1|intermediate|300C|ext_encrypt_ec|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Verschluesselung p384-enc
bp256-enc|ec:brainpoolP256r1|intermediate|300D|ext_encrypt_ec|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Verschluesselung bp256-enc
bp384-enc|ec:brainpoolP384r1|intermediate|300E|ext_encrypt_ec|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Verschluesselung bp384-enc
rsa2048-dual|rsa:2048|intermediate|300F|ext_dual_rsa|$END|sha384|/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst rsa2048-dual"

usage() {
    sed -n '8,12p' "$0" | sed 's/^# \{0,1\}//'
}

generate=yes
check=no
case "${1-}" in
    "") ;;
    --check) check=yes ;;
    --check-only) generate=no; check=yes ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

work=$(mktemp -d "${TMPDIR:-/tmp}/demail-keys.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

# Runs a command quietly; prints its output and stops if it fails.
run() {
    if ! "$@" >"$work/log" 2>&1; then
        cat "$work/log" >&2
        echo "make_keys.sh: FAILED: $*" >&2
        exit 1
    fi
}

fail() {
    echo "make_keys.sh: CHECK FAILED: $*" >&2
    failures=$((failures + 1))
}

# ---------------------------------------------------------------- generate --

write_config() {
    mkdir "$work/newcerts"
    : >"$work/index.txt"
    echo "unique_subject = no" >"$work/index.txt.attr"
    cat >"$work/openssl.cnf" <<EOF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir = $work
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/newcerts
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
preserve = yes
string_mask = utf8only

[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes

[ req_dn ]

[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_provider_ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_signer ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectAltName = email:$SAN_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_encrypt_rsa ]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = email:$SAN_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_dual_rsa ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = email:$SAN_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_encrypt_ec ]
basicConstraints = CA:FALSE
keyUsage = critical, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:$SAN_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_no_signature ]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:$SAN_EMAIL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
}

# genkey NAME rsa:BITS|ec:CURVE
genkey() {
    case $2 in
        rsa:*)
            run openssl genpkey -quiet -algorithm RSA \
                -pkeyopt "rsa_keygen_bits:${2#rsa:}" -out "$1.key.pem" ;;
        ec:*)
            run openssl genpkey -quiet -algorithm EC \
                -pkeyopt "ec_paramgen_curve:${2#ec:}" \
                -pkeyopt ec_param_enc:named_curve -out "$1.key.pem" ;;
        *) echo "make_keys.sh: bad key spec $2" >&2; exit 1 ;;
    esac
}

# issue NAME ISSUER SERIAL EXTENSIONS NOT_AFTER DIGEST SUBJECT
issue() {
    run openssl req -new -config "$work/openssl.cnf" -key "$1.key.pem" \
        -subj "$7" -out "$work/$1.csr"
    echo "$3" >"$work/serial"
    if [ "$2" = self ]; then
        set -- "$@" -selfsign -keyfile "$1.key.pem"
    else
        set -- "$@" -cert "$2.cert.pem" -keyfile "$2.key.pem"
    fi
    name=$1 ext=$4 not_after=$5 md=$6
    shift 7
    run openssl ca -batch -config "$work/openssl.cnf" "$@" \
        -in "$work/$name.csr" -out "$name.cert.pem" -notext -preserveDN \
        -extensions "$ext" -md "$md" -startdate "$START" -enddate "$not_after"
    run openssl x509 -in "$name.cert.pem" -outform DER -out "$name.cert.der"
}

if [ "$generate" = yes ]; then
    write_config
    while IFS='|' read -r name key issuer serial ext not_after md subj; do
        # ONLY="a b" regenerates just those pairs (their issuers must exist).
        case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
        rm -f "$name.key.pem" "$name.cert.pem" "$name.cert.der"
        genkey "$name" "$key"
        issue "$name" "$issuer" "$serial" "$ext" "$not_after" "$md" "$subj"
        chmod 644 "$name.key.pem" "$name.cert.pem" "$name.cert.der"
        echo "generated $name ($key, serial 0x$serial, issuer $issuer)"
    done <<EOF
$PAIRS
EOF
fi

[ "$check" = yes ] || exit 0

# ------------------------------------------------------------------- check --

failures=0
printf 'demail integrity test message\r\n' >"$work/msg"

# Per pair: the key is PKCS#8 and matches the cert, a signature made with the
# key verifies with the cert's public key, the DER copy equals the PEM, and
# the cert shows the intended key type, key usage and validity dates.
while IFS='|' read -r name key issuer serial ext not_after md subj; do
    k=$name.key.pem c=$name.cert.pem
    [ "$(head -n 1 "$k")" = "-----BEGIN PRIVATE KEY-----" ] \
        || fail "$k is not an unencrypted PKCS#8 PEM"
    openssl asn1parse -in "$k" >"$work/p8" 2>&1 || fail "$k does not parse"
    sed -n 2p "$work/p8" | grep -q 'INTEGER *:00$' || fail "$k is not PKCS#8 v1"
    case $key in
        ec:*)
            grep -q "d=2 .*OBJECT *:${key#ec:}\$" "$work/p8" \
                || fail "$k: curve is not the named curve ${key#ec:}"
            off=$(awk -F: '/d=1 .*OCTET STRING/ { print $1 + 0; exit }' "$work/p8")
            openssl asn1parse -in "$k" -strparse "$off" 2>/dev/null \
                | grep -q 'cont \[ 1 \]' \
                || fail "$k: ECPrivateKey lacks the public key"
            ;;
    esac

    openssl pkey -in "$k" -pubout -out "$work/key.pub" 2>/dev/null || fail "$k: pkey"
    openssl x509 -in "$c" -noout -pubkey -out "$work/cert.pub" 2>/dev/null || fail "$c: pubkey"
    cmp -s "$work/key.pub" "$work/cert.pub" || fail "$k does not match $c"
    openssl dgst -sha256 -sign "$k" -out "$work/sig" "$work/msg" 2>/dev/null \
        || fail "$k cannot sign"
    openssl dgst -sha256 -verify "$work/cert.pub" -signature "$work/sig" \
        "$work/msg" >/dev/null 2>&1 || fail "signature by $k does not verify with $c"

    openssl x509 -in "$c" -outform DER 2>/dev/null | cmp -s - "$name.cert.der" \
        || fail "$name.cert.der is not the DER of $c"

    openssl x509 -in "$c" -noout -text >"$work/text" 2>&1 || fail "$c: text"
    case $key in
        rsa:*) want="Public-Key: (${key#rsa:} bit)" ;;
        ec:*) want="ASN1 OID: ${key#ec:}" ;;
    esac
    grep -qF "$want" "$work/text" || fail "$c: missing '$want'"
    case $ext in
        ext_root|ext_provider_ca) want="Certificate Sign, CRL Sign" ;;
        ext_signer) want="Digital Signature, Non Repudiation" ;;
        ext_no_signature) want="Key Encipherment, Key Agreement" ;;
        ext_encrypt_rsa) want="Key Encipherment" ;;
        ext_encrypt_ec) want="Key Agreement" ;;
        ext_dual_rsa) want="Digital Signature, Key Encipherment" ;;
    esac
    # The line after the extension's name lists the bits, exactly these.
    ku=$(grep -A1 'X509v3 Key Usage' "$work/text" | sed -n '2s/^ *//p')
    [ "$ku" = "$want" ] || fail "$c: key usage is '$ku', not '$want'"
    if [ "$ext" != ext_root ] && [ "$ext" != ext_provider_ca ]; then
        grep -qF "E-mail Protection" "$work/text" || fail "$c: no emailProtection EKU"
        grep -qF "email:$SAN_EMAIL" "$work/text" || fail "$c: no SAN email"
        grep -qF "CA:FALSE" "$work/text" || fail "$c: not CA:FALSE"
    fi
    grep -qF "Not Before: Jan  1 00:00:00 2025 GMT" "$work/text" \
        || fail "$c: wrong notBefore"
    if [ "$not_after" = "$SHORT_END" ]; then
        want="Not After : Jun 30 23:59:59 2025 GMT"
    else
        want="Not After : Jan  1 00:00:00 2045 GMT"
    fi
    grep -qF "$want" "$work/text" || fail "$c: wrong notAfter"
    grep -qiF "Serial Number: $(printf '%d' "0x$serial") (0x$serial)" "$work/text" \
        || fail "$c: serial is not 0x$serial"
    echo "checked pair $name"
done <<EOF
$PAIRS
EOF

# verify_ok AT CERT [openssl verify options...]: must verify against the root.
verify_ok() {
    at=$1 cert=$2
    shift 2
    if openssl verify -x509_strict -attime "$at" -CAfile ca.cert.pem \
        -untrusted intermediate.cert.pem "$@" "$cert" >"$work/log" 2>&1; then
        echo "verify ok: $cert${*:+ $*} (at $at)"
    else
        cat "$work/log" >&2
        fail "$cert $* does not verify at $at"
    fi
}

# verify_bad AT CERT EXPECTED-ERROR [options...]: must fail with that error.
verify_bad() {
    at=$1 cert=$2 expected=$3
    shift 3
    if openssl verify -x509_strict -attime "$at" -CAfile ca.cert.pem \
        -untrusted intermediate.cert.pem "$@" "$cert" >"$work/log" 2>&1; then
        fail "$cert $* verifies at $at but should not"
    elif grep -qF "$expected" "$work/log"; then
        echo "verify fails as expected: $cert${*:+ $*} (at $at): $expected"
    else
        cat "$work/log" >&2
        fail "$cert $* fails at $at, but not with '$expected'"
    fi
}

verify_ok "$AT_NOW" intermediate.cert.pem
for name in rsa3072 rsa2048 p256 p384 bp256 bp384 rsa1024 no-signature-usage; do
    verify_ok "$AT_NOW" "$name.cert.pem"
done
for name in rsa3072 rsa2048 p256 p384 bp256 bp384 rsa1024; do
    verify_ok "$AT_NOW" "$name.cert.pem" -purpose smimesign
done
for name in rsa2048-enc p256-enc p384-enc bp256-enc bp384-enc; do
    verify_ok "$AT_NOW" "$name.cert.pem"
done
# openssl's smimeencrypt purpose asks for keyEncipherment: the RSA
# encryption certificate has it, the RSA signing certificate does not.
verify_ok "$AT_NOW" rsa2048-enc.cert.pem -purpose smimeencrypt
verify_ok "$AT_NOW" rsa2048-dual.cert.pem -purpose smimeencrypt
verify_ok "$AT_NOW" rsa2048-dual.cert.pem -purpose smimesign
verify_bad "$AT_NOW" rsa2048.cert.pem "unsuitable certificate purpose" -purpose smimeencrypt
verify_ok "$AT_SHORT" short-lived.cert.pem
verify_ok "$AT_SHORT" short-lived.cert.pem -purpose smimesign
verify_bad "$AT_NOW" short-lived.cert.pem "certificate has expired"
verify_bad "$AT_NOW" no-signature-usage.cert.pem "unsuitable certificate purpose" \
    -purpose smimesign
# 112-bit security (auth level 2) rejects the 1024-bit RSA end-entity key.
verify_bad "$AT_NOW" rsa1024.cert.pem "EE certificate key too weak" -auth_level 2
verify_ok "$AT_NOW" rsa2048.cert.pem -auth_level 2
verify_bad "$AT_NOW" untrusted.cert.pem "unable to get local issuer certificate"
verify_bad "$AT_NOW" untrusted-ca.cert.pem "self-signed certificate"
# The untrusted chain itself is well-formed: it only fails for lack of trust.
if openssl verify -x509_strict -attime "$AT_NOW" -CAfile untrusted-ca.cert.pem \
    -purpose smimesign untrusted.cert.pem >"$work/log" 2>&1; then
    echo "verify ok: untrusted.cert.pem against untrusted-ca.cert.pem (at $AT_NOW)"
else
    cat "$work/log" >&2
    fail "untrusted.cert.pem does not verify against its own CA"
fi

if [ "$failures" -ne 0 ]; then
    echo "make_keys.sh: $failures check(s) failed" >&2
    exit 1
fi
echo "all checks passed"
