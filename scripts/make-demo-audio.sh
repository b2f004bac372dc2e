#!/usr/bin/env bash
# Builds the bundled demo meeting from the Swedish Common Voice clips:
# every clip resampled to 16 kHz mono 16-bit and joined with 1.2 s of
# silence between them (a pause the voice activity detection must cut at).
# Also writes a two-channel variant, the second channel delayed by 0.25 ms
# (4 samples at 16 kHz), as a two-microphone box would hear one talker.
# Needs sox (Debian package sox). Deterministic: same input, same bytes.
set -euo pipefail
src=${1:-../shared/audio}
out=${2:-testdata/audio}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

clips=(18748646 18717015 18737932 18746434 18746511 18746534 18716987)
sox -D -R -n -r 16000 -c 1 -b 16 "$tmp/gap.wav" trim 0 1.2
parts=("$tmp/gap.wav")
for id in "${clips[@]}"; do
  sox -D -R "$src/common_voice_sv-SE_$id.wav" -r 16000 -c 1 -b 16 "$tmp/$id.wav"
  parts+=("$tmp/$id.wav" "$tmp/gap.wav")
done
sox -D -R "${parts[@]}" -r 16000 -c 1 -b 16 "$out/meeting-sv.wav"
sox -D -R "$out/meeting-sv.wav" "$tmp/delayed.wav" delay 0.00025 trim 0 "$(soxi -D "$out/meeting-sv.wav")"
sox -D -R -M "$out/meeting-sv.wav" "$tmp/delayed.wav" -b 16 "$out/meeting-sv-2ch.wav"
install -m 644 "$src/common_voice_sv-SE_18717015.wav" "$out/clip-48k.wav"
for id in "${clips[@]}"; do cat "$src/common_voice_sv-SE_$id.txt"; done > "$out/meeting-sv.txt"
