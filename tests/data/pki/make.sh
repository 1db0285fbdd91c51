#!/usr/bin/env bash
# The test PKI of the certificate status tests (tests/status.rs; issue 13;
# RFC 5280 CRLs, RFC 6960 OCSP). TEST KEYS ONLY: everything is made fresh in
# OUTDIR at test time, nothing private is committed.
#
#   bash tests/data/pki/make.sh OUTDIR [OCSP-URL CRL-URL [ROOT-CRL-URL]]
#
# With the two URLs (tests/status_online.rs) the provider certificates carry
# them: authorityInfoAccess OCSP;URI:OCSP-URL, crlDistributionPoints
# URI:CRL-URL (RFC 5280 §4.2.2.1, §4.2.1.13). With the third, the
# intermediate names the root's CRL: crlDistributionPoints URI:ROOT-CRL-URL
# (the status of the chain, docs/decisions.md D202, D217).
#
# Root CA -> intermediate CA ("DMDA Test Sub-CA", an `openssl ca` database) ->
#   provider-good.pem     provider signature certificate, never revoked
#   provider-revoked.pem  revoked (keyCompromise) between the two CRLs
#   responder.pem         delegated OCSP responder (extendedKeyUsage OCSPSigning)
#   responder-noeku.pem   issued by the same CA, without OCSPSigning
# CRLs of the intermediate (DER):
#   crl-before.der        before the revocation (lists nothing)
#   crl-after.der         after the revocation (lists provider-revoked)
#   crl-stale.der         thisUpdate 2025-06-01, nextUpdate 2025-06-02
#   crl-wrong-key.der     same issuer name, signed by another key
#   crl-root.der          the root's CRL (another issuer), listing nothing
#   crl-root-revoked-sub.der  the root's CRL after it revoked the intermediate
#                         (cACompromise), made last: for the chain status (D202)
#   ocsp-root-sub-revoked.der  the root's OCSP response for the intermediate then
# OCSP responses (DER, made by `openssl ocsp` from the CA database):
#   ocsp-good.der, ocsp-revoked.der, ocsp-unknown.der (for provider-unlisted,
#   which the intermediate signed outside its database), ocsp-other.der (answers for
#   provider-revoked only), ocsp-noeku.der (signed by responder-noeku),
#   ocsp-by-ca.der (signed by the intermediate itself), ocsp-by-key.der
#   (responder ID by key hash), ocsp-foreign.der (signed by a responder with
#   OCSPSigning that the root issued, not the intermediate), ocsp-short.der
#   (nextUpdate one minute after thisUpdate: outside its window later).
# Certificates are valid from 2025-01-01 to 2035-01-01, so a test may verify
# at any time in between; times.txt records when the revocation happened.
set -euo pipefail
out="$1"
mkdir -p "$out"
cd "$out"

key() { openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$1"; }

# Root CA (self-signed).
key root.key
openssl req -x509 -new -key root.key -subj "/C=DE/O=DMDA Test/CN=DMDA Test Root CA" \
    -days 3650 -sha256 -out root.pem \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

cat >ca.cnf <<'CNF'
[ca]
default_ca = sub
[sub]
dir = .
database = index.txt
new_certs_dir = issued
certificate = sub.pem
private_key = sub.key
serial = serial
crlnumber = crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
countryName = optional
[crl_ext]
authorityKeyIdentifier = keyid:always
[v3_sub]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_provider]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_responder]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_noeku]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
if [ -n "${2:-}" ]; then
    sed -i "/^\[v3_provider\]/a authorityInfoAccess = OCSP;URI:$2\ncrlDistributionPoints = URI:$3" ca.cnf
fi
if [ -n "${4:-}" ]; then
    sed -i "/^\[v3_sub\]/a crlDistributionPoints = URI:$4" ca.cnf
fi

# Intermediate CA, signed by the root.
key sub.key
openssl req -new -key sub.key -subj "/C=DE/O=DMDA Test/CN=DMDA Test Sub-CA" -out sub.csr
openssl x509 -req -in sub.csr -CA root.pem -CAkey root.key -set_serial 0x0100 \
    -days 3650 -sha256 -extfile ca.cnf -extensions v3_sub -out sub.pem
cat sub.pem root.pem >chain.pem

mkdir -p issued
: >index.txt
echo 1000 >serial
echo 01 >crlnumber

issue() { # name extensions-section
    key "$1.key"
    openssl req -new -key "$1.key" -subj "/C=DE/O=DMDA Test/CN=$1" -out "$1.csr"
    openssl ca -batch -config ca.cnf -notext -extensions "$2" \
        -startdate 20250101000000Z -enddate 20350101000000Z -in "$1.csr" -out "$1.pem" 2>/dev/null
}
issue provider-good v3_provider
issue provider-revoked v3_provider
issue responder v3_responder
issue responder-noeku v3_noeku

crl() { openssl ca -batch -config ca.cnf -gencrl -out "$1.pem" "${@:2}" 2>/dev/null
        openssl crl -in "$1.pem" -outform DER -out "$1.der"; }

crl crl-before
date -u +%s >times.txt # before the revocation
sleep 1
openssl ca -batch -config ca.cnf -revoke provider-revoked.pem -crl_reason keyCompromise 2>/dev/null
sleep 1
date -u +%s >>times.txt # after the revocation
crl crl-after
crl crl-stale -crl_lastupdate 20250601000000Z -crl_nextupdate 20250602000000Z

# A key that is not the intermediate's, under the intermediate's name.
key wrong.key
openssl req -x509 -new -key wrong.key -subj "/C=DE/O=DMDA Test/CN=DMDA Test Sub-CA" \
    -days 3650 -sha256 -out wrong.pem
sed -e 's/^certificate = sub.pem/certificate = wrong.pem/' \
    -e 's/^private_key = sub.key/private_key = wrong.key/' ca.cnf >wrong.cnf
openssl ca -batch -config wrong.cnf -gencrl -out crl-wrong-key.pem 2>/dev/null
openssl crl -in crl-wrong-key.pem -outform DER -out crl-wrong-key.der

ocsp() { # output signer-cert signer-key cert-or-serial [more openssl ocsp options]
    local out="$1" rsigner="$2" rkey="$3"; shift 3
    openssl ocsp -issuer sub.pem "$@" -no_nonce -reqout "$out.req" 2>/dev/null
    openssl ocsp -index index.txt -rsigner "$rsigner" -rkey "$rkey" -CA sub.pem \
        -reqin "$out.req" -respout "$out" -ndays 1 2>/dev/null >/dev/null
}
ocsp ocsp-good.der responder.pem responder.key -cert provider-good.pem
ocsp ocsp-revoked.der responder.pem responder.key -cert provider-revoked.pem
ocsp ocsp-other.der responder.pem responder.key -cert provider-revoked.pem
ocsp ocsp-noeku.der responder-noeku.pem responder-noeku.key -cert provider-good.pem
ocsp ocsp-by-ca.der sub.pem sub.key -cert provider-good.pem
# Issued by the intermediate outside its database: the responder answers
# "unknown" for it.
key provider-unlisted.key
openssl req -new -key provider-unlisted.key -subj "/C=DE/O=DMDA Test/CN=provider-unlisted" \
    -out provider-unlisted.csr
openssl x509 -req -in provider-unlisted.csr -CA sub.pem -CAkey sub.key -set_serial 0x0DEAD \
    -days 3650 -sha256 -extfile ca.cnf -extensions v3_provider -out provider-unlisted.pem
ocsp ocsp-unknown.der responder.pem responder.key -cert provider-unlisted.pem
# The responder named by key hash (ResponderID byKey) instead of by name.
ocsp ocsp-by-key.der responder.pem responder.key -cert provider-good.pem
openssl ocsp -index index.txt -rsigner responder.pem -rkey responder.key -CA sub.pem -resp_key_id \
    -reqin ocsp-by-key.der.req -respout ocsp-by-key.der -ndays 1 2>/dev/null >/dev/null
# A responder with OCSPSigning, but issued by the root, not by the
# provider certificates' issuer.
key responder-foreign.key
openssl req -new -key responder-foreign.key -subj "/C=DE/O=DMDA Test/CN=responder-foreign" \
    -out responder-foreign.csr
openssl x509 -req -in responder-foreign.csr -CA root.pem -CAkey root.key -set_serial 0x0F00 \
    -days 3650 -sha256 -extfile ca.cnf -extensions v3_responder -out responder-foreign.pem
ocsp ocsp-foreign.der responder-foreign.pem responder-foreign.key -cert provider-good.pem
# nextUpdate one minute after thisUpdate.
openssl ocsp -issuer sub.pem -cert provider-good.pem -no_nonce -reqout ocsp-short.req 2>/dev/null
openssl ocsp -index index.txt -rsigner responder.pem -rkey responder.key -CA sub.pem \
    -reqin ocsp-short.req -respout ocsp-short.der -nmin 1 2>/dev/null >/dev/null
# A CRL of the root: another issuer than the providers'.
sed -e 's/^certificate = sub.pem/certificate = root.pem/' -e 's/^private_key = sub.key/private_key = root.key/' \
    -e 's/^database = index.txt/database = root-index.txt/' -e 's/^crlnumber = crlnumber/crlnumber = root-crlnumber/' \
    ca.cnf >root.cnf
: >root-index.txt
echo 01 >root-crlnumber
openssl ca -batch -config root.cnf -gencrl -out crl-root.pem 2>/dev/null
openssl crl -in crl-root.pem -outform DER -out crl-root.der
# The root revokes the intermediate, after every other file was made: a
# later root CRL lists it (a revoked CA of the chain, D202).
sleep 1
openssl ca -batch -config root.cnf -revoke sub.pem -crl_reason cACompromise 2>/dev/null
openssl ca -batch -config root.cnf -gencrl -out crl-root-revoked-sub.pem 2>/dev/null
openssl crl -in crl-root-revoked-sub.pem -outform DER -out crl-root-revoked-sub.der
# The root's own OCSP answer for the intermediate, after the revocation.
openssl ocsp -issuer root.pem -cert sub.pem -no_nonce -reqout ocsp-root-sub.req 2>/dev/null
openssl ocsp -index root-index.txt -rsigner root.pem -rkey root.key -CA root.pem \
    -reqin ocsp-root-sub.req -respout ocsp-root-sub-revoked.der -ndays 1 2>/dev/null >/dev/null
for c in root sub provider-good provider-revoked provider-unlisted responder responder-noeku; do
    openssl x509 -in "$c.pem" -outform DER -out "$c.der"
done
