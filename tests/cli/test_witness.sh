#!/bin/sh
# test_witness.sh -- end-to-end tests of the witness side of publication: cosigner keys
# (`softpause key generate --cosigner`) and `softpause witness serve`.  Run by
# tools/run-tests.sh against $SOFTPAUSE.
set -u
. tests/support/cli_lib.sh
cli_setup "witness cli" sp-witness
cli_require "$SP"

# ---- cosigner keys --------------------------------------------------------------------------
K=$T/keys
mkdir -p "$K"
run 0 "cosigner key" $SP key generate --cosigner witness.example/w1 --out "$K"
W=$K/witness.example%2Fw1
if [ -f "$W.key" ] && [ -f "$W.pub" ]; then ok; else bad "cosigner key files"; fi
contains "cosigner key paths printed" "witness.example%2Fw1.pub" "$T/out"
# base64 of 0x04 || 32 bytes starts with "B"; of 0x01 || ... with "A".
contains "cosigner vkey type 0x04" '^witness.example/w1+[0-9a-f]\{8\}+B' "$W.pub"
contains "cosigner skey type 0x04" '^PRIVATE+KEY+witness.example/w1+[0-9a-f]\{8\}+B' "$W.key"
mode=$(stat -c %a "$W.key")
same "cosigner key mode" "$mode" 600
run 0 "signer key" $SP key generate log.example --out "$K"
contains "signer vkey type 0x01" '^log.example+[0-9a-f]\{8\}+A' "$K/log.example.pub"
expect_err SP_ERR_EXISTS "cosigner key overwrite refused" $SP key generate --cosigner witness.example/w1 --out "$K"
printf 'some text\n' > "$T/text"
expect_err SP_ERR_KEY_ALGORITHM "a cosigner key does not sign notes" $SP note sign --key "$W.key" --text "$T/text"

cli_finish
