#!/usr/bin/env bash
# Fetches the Oxen fixtures the compatibility tests compare oxdrop with:
# the files of data/test in Oxen's repository (https://github.com/Oxen-AI/Oxen,
# Apache-2.0) at a pinned commit, less config/, scripts/ and the large
# text/celeb_a_200k.csv, which no test uses. Every file is checked against the
# SHA-256 sums below, so a copy is exactly the one the tests expect.
#
# Usage: scripts/fetch-fixtures.sh [DIR]     fetch into DIR (see below)
#        scripts/fetch-fixtures.sh --check [DIR]   only check a copy
# DIR defaults to $OXDROP_FIXTURES, else ../shared/fixtures/oxen beside the
# repository: where the tests look (internal/testenv). A DIR that already
# holds the right files is left as it is; one that holds anything else is
# refused, never overwritten.
# Needs git (or curl and tar) and sha256sum (or shasum). OXDROP_OXEN_REPO
# (a git URL) and OXDROP_OXEN_TARBALL (a URL of the commit's .tar.gz) fetch
# from a mirror instead of GitHub.
set -euo pipefail

# 10 commits after v0.54.0: the source ../shared/spec/oxen-behaviour.md reads.
OXEN_COMMIT=4e0e6592faf0a6c6b50b76bb8f2807775c66a7e1
OXEN_REPO=${OXDROP_OXEN_REPO:-https://github.com/Oxen-AI/Oxen.git}
OXEN_TARBALL=${OXDROP_OXEN_TARBALL:-https://codeload.github.com/Oxen-AI/Oxen/tar.gz/$OXEN_COMMIT}

root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "fetch-fixtures: $*" >&2; exit 1; }

check_only=false
case "${1:-}" in
  -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
  --check) check_only=true; shift ;;
  -*) die "unknown option $1 (try --help)" ;;
esac
[ $# -le 1 ] || die "one folder at most (try --help)"
shared=$(cd "$root/.." && pwd)/shared
# As in the tests, a relative OXDROP_FIXTURES is taken from the repository's
# root; a relative DIR from the current folder.
if [ $# -eq 1 ]; then
  dest=$1 base=$PWD
else
  dest=${OXDROP_FIXTURES:-$shared/fixtures/oxen} base=$root
fi
case "$dest" in /*) ;; *) dest=$base/$dest ;; esac
dest=${dest%/}
if parent=$(cd "$(dirname "$dest")" 2>/dev/null && pwd); then dest=$parent/$(basename "$dest"); fi

# The files and their SHA-256, as in ../shared/fixtures/oxen (NOTICE aside).
sums() {
  cat <<'EOF'
2170f6b1a522e9f2b09b7a7d9cfab6dd6f58e449c788ec06abad17db3bc94cf4  audio/121-121726-0005.flac
73ed83e21de90823a0987141f691aef9599a895a9e6e015eb7ea5bfeb2192bfa  audio/121-121726-0005.wav
ae461693e3828be5ea421831a64207a676e4690e1ce8972c6e4132d36323517b  csvs/caption_video_gen_fmt.csv
a20a92d9eb59750251306599ce0610c7f20e9e5e08ee6b948b38fc000cb30f40  csvs/emojis.csv
621fb246b74e5030649091007bfdab9aa3c5bcde2effc416fae4a69211b2f38b  csvs/empty_rows_carriage_return.csv
6a7bbb3ade1dc7d4bf7a577741b8c654502e9af27f5f33956434a215bc428352  csvs/llm_fine_tune.csv
6862857601a636c1df9da525e96ea418534b1f7feb61e16a3a9fb586a94fd941  csvs/mixed_data_types.csv
ce8a20e6a23f7fa15b288d7efa5d9a5eb1009a27e38e4f389eead6111a1e5ba8  csvs/quoted_fields.csv
a7bd0d1080abf19f67701bad2625b261c85f17414389d75a898d949cf461cff4  csvs/spam_ham_data_w_quote.tsv
9d4fe7ab7a3d859191d056e5d6e63faeec1b1c431fd50e9fa28e3b45e68a1f76  csvs/tabs.csv
686fd648c229e5b91cc666f2ebdc602d208de089abe187067e470303c83ea34d  csvs/test_cifar_2x10000.csv
913a89e106959be2e0b9397e0ab5fe793dfbee9bb7e6a9871bb5a1dc5ddce9a6  csvs/test_cifar_2x9999.csv
a51dc1a9512d23d796b75ad19f5a6ddcc5ecfeb8305205deeae3ae2cfaf4cf9b  csvs/train_cifar_2x50000.csv
3a69b4df8295d24aade6d5b7cf81b49fd9d2571704e754683023615cde0722cb  csvs/train_cifar_5x50000.csv
5e5178d5a45d761b5e74abb3072495ebc3f2cec0b3cc22fd9f14c7eb16cf9cfb  data/image_cache.tsv
41fe85d30ea8a22bf1772cb178ba2a50c597c6a21de033fc06637d7e10d2456f  data/invalid.parquet
76f50de1f686f3d8195b099e3c7693a8cf53de3bf376f64095b0b0d71152ba59  images/cat_1.jpg
4dc22e82e7d0eac4ee00a2a4fb673cc7711a61b887a9e73d5a8d58a98587686a  images/cat_2.jpg
7f19645f98ac423d20c45d52e4abbf96ac7b42a27f4d53f0923b1aaf58cf25ac  images/cat_3.jpg
bf7370ecaf93a09de30a58d835ea12a2c9555a9c3b89e470799c133a77c1579b  images/cat_grayscale.jpg
eb92af840820e2dffd2bf6626b23972d48ed7a8ee87a45d6350b12e9f7b32b87  images/cat_rgba.png
eff38e16295103953af2900c7ddc17c51e9a23127d16ca6a6362ab023bd3b45b  images/cole_anthony.jpeg
a5713e3bfaee0622f76c66210a8133ee5befadec1d8cc41faf6d4b3a7ea7a7b0  images/dog_1.jpg
986549ff13ad299c88666a456bdcb5eadfe49f6f4d17b343f4ba422d41b334e9  images/dog_2.jpg
87b8f95343a31e031bcae7e3c2ba9e4e3988d47cfa77a00db9b593501c0d227a  images/dog_3.jpg
5932689abe424af9ddd02fd67887c0c886ed9ea309bf0ac6773ae06e9c43a14e  images/dog_4.jpg
6e1e5d0ad9dbbcdb38bf9c9caa75cb08d798f3cf119524a12aa54d90e66736e6  images/dwight_vince.jpeg
cdb31a079c1e573ce9c940bc79a08bf8018078e7e9df42e02b30d24b1b0c8a13  images/hotdog_1.jpg
24fe2a8acfc11f7485560a2f607d393838b7934ec8217a165abe7a420ab0e353  images/hotdog_2.jpg
7c6a573d4096a05f491d4c3ed185cc70855b7dd483ddf4e3df58c726e4998031  images/mnist_7.png
2b693b951668fe9bf54d3fb55ee8b4c37df7fc9dbdcb68fd3f5265713981c0ad  json/tabular.json
3e87c4f9203e948eb0b77ba8d4b7dd35dea08a6a194f42ae920142a09584da74  parquet/binary_col.parquet
353f68eb5e8e04983107e45e58e8a51b6fdc98caccd0016f929341d09f23b24f  parquet/sft 100.parquet
4146016b7c0494d20183524d436c81f6fbb223ca510bceef67062c4c9169550a  parquet/wiki_1k.parquet
cce7d73cfc7cffe445822ab1abcd8b77f0d46a32cdae661cabe4c0fd742c6bac  parquet/wiki_30k.parquet
0a879180295ff302d205534c61e2336357837cf22aecf1373ef4f026ea308f81  text/README
2dc7546723175fd9bdad9e68f410540cbabc34686c8a33412f22c6983cc8bfa2  text/README.md
185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969  text/hello.txt
0a292113084415b9c2799e59f7743804dd091431ab919b87f58e24bb180edd34  text/test.json
144096a7a72ba54e9fa1ee237968c994c1c158590b24961f89afa56ee612c76e  text/test.jsonl
67789b0f2ba83e2e998641632231f9f70d12575c39289cd8e40504cdd62b17bc  text/test_id.txt
78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524  text/world.txt
122045706a0035eadaf7aaf5a0f09f3df1e16c4482f86305e518fd4ffbffc572  video/basketball.mp4
b375ea874494d19a99816f53d6b11e93e34d4ae714f975d9b963550a70297e64  video/dog_skatez.mov
EOF
}

notice() {
  cat <<'EOF'
These files are test data from Oxen (https://github.com/Oxen-AI/Oxen), data/test/,
licensed under the Apache License, Version 2.0. They are unmodified copies.
EOF
}

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$@"; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$@"; }
else
  die "needs sha256sum (coreutils) or shasum (perl)"
fi

# verify DIR: every listed file is there with its sum, and nothing else but
# NOTICE. Prints what is wrong; fails when anything is.
verify() {
  local dir=$1 out
  if ! out=$(cd "$dir" && sums | sha256 -c --quiet - 2>&1); then
    printf '%s\n' "$out" | head -5 >&2
    return 1
  fi
  out=$(cd "$dir" && find . -type f ! -name NOTICE | sed 's|^\./||' | LC_ALL=C sort |
    LC_ALL=C comm -23 - <(sums | sed 's/^[0-9a-f]*  //' | LC_ALL=C sort)) || return 1
  [ -z "$out" ] || { printf 'not in the fixture set: %s\n' "$out" | head -5 >&2; return 1; }
}

count=$(sums | wc -l | tr -d ' ')
if [ -d "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  if verify "$dest"; then
    $check_only || already=", already: nothing to fetch"
    echo "fetch-fixtures: $dest holds the $count Oxen fixture files of ${OXEN_COMMIT:0:12} (checked${already:-})"
    exit 0
  fi
  die "$dest holds other files than the Oxen fixtures at ${OXEN_COMMIT:0:12}; remove it or give another folder"
fi
$check_only && die "no fixtures at $dest: run scripts/fetch-fixtures.sh${1:+ $1}"

# Everything is made in a folder beside DIR, removed on exit, and DIR comes
# in place by one rename of a checked copy.
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$(dirname "$dest")/.oxdrop-fixtures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Oxen's data/test at the pinned commit into $tmp/src/data/test: a sparse,
# shallow, blobless git fetch of that commit (about 5 MB), or the commit's
# tarball (the whole repository, tens of MB) when git is missing or fails.
# (set -e does not apply inside a function called as a condition: each step
# says || return.)
fetch_git() {
  local src=$tmp/src
  git init -q "$src" || return
  git -C "$src" remote add origin "$OXEN_REPO" || return
  git -C "$src" config core.sparseCheckout true || return
  printf '%s\n' '/data/test/' '!/data/test/config/' '!/data/test/scripts/' '!/data/test/text/celeb_a_200k.csv' \
    >"$src/.git/info/sparse-checkout" || return
  git -C "$src" fetch -q --depth 1 --filter=blob:none origin "$OXEN_COMMIT" 2>/dev/null ||
    git -C "$src" fetch -q --depth 1 origin "$OXEN_COMMIT" || return
  git -C "$src" -c advice.detachedHead=false checkout -q FETCH_HEAD
}
fetch_tarball() {
  command -v curl >/dev/null 2>&1 && command -v tar >/dev/null 2>&1 || return 1
  rm -rf "$tmp/src" "$tmp/tar" && mkdir -p "$tmp/tar" || return
  curl -fsSL "$OXEN_TARBALL" | tar -xz -C "$tmp/tar" || return
  # One top folder (Oxen-<commit>), whatever its name.
  mv "$tmp"/tar/*/ "$tmp/src"
}
echo "fetch-fixtures: fetching Oxen's data/test at ${OXEN_COMMIT:0:12} from $OXEN_REPO"
if ! { command -v git >/dev/null 2>&1 && fetch_git; }; then
  echo "fetch-fixtures: git could not fetch it; trying $OXEN_TARBALL" >&2
  fetch_tarball || die "could not fetch Oxen's data/test (needs git, or curl and tar, and access to github.com)"
fi

# Only the listed files, checked, then renamed into place.
stage=$tmp/oxen
mkdir -p "$stage"
sums | sed 's/^[0-9a-f]*  //' | while IFS= read -r f; do
  [ -f "$tmp/src/data/test/$f" ] || die "Oxen's data/test at ${OXEN_COMMIT:0:12} has no $f"
  mkdir -p "$stage/$(dirname "$f")"
  cp "$tmp/src/data/test/$f" "$stage/$f"
done
notice >"$stage/NOTICE"
verify "$stage" || die "the fetched files do not match their SHA-256 sums"
[ ! -d "$dest" ] || rmdir "$dest" # empty (checked above)
mv "$stage" "$dest"
chmod -R a+rX,go-w "$dest"
echo "fetch-fixtures: $count Oxen fixture files (Apache-2.0, see $dest/NOTICE) are in $dest"
if { [ -z "${OXDROP_FIXTURES:-}" ] && [ "$dest" -ef "$shared/fixtures/oxen" ]; } ||
  { [ -n "${OXDROP_FIXTURES:-}" ] && [ "$dest" -ef "$(cd "$root" && cd "$OXDROP_FIXTURES" 2>/dev/null && pwd)" ]; }; then
  echo "fetch-fixtures: the tests find them there"
else
  echo "fetch-fixtures: for the tests to find them: export OXDROP_FIXTURES=$dest"
fi
