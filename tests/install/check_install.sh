#!/bin/sh
# check_install.sh - the embedding test (ctest check_install, label
# integration): install the current build into a scratch prefix, check the
# installed tree, then build programs against it the two ways an embedder
# would, out of tree:
#   - a CMake project (tests/data/install) with find_package(lparsim):
#     sim/systemc/examples/dram_target_example.cpp on lparsim::systemc and
#     tests/data/install/embed.c (build, run and destroy a machine from
#     tests/data/install/tiny.yaml) on lparsim::machine;
#   - the same two with pkg-config --static (lparsim, lparsim-systemc).
# Every program must exit 0. Every installed header must compile alone
# with only -I<prefix>/include/lparsim (C headers as C and as C++), which
# also proves that no installed header includes an uninstalled one.
# In the sanitized build the installed libraries are sanitized: their link
# flags come with lparsim::core and with lparsim.pc, so nothing here
# changes. The environment comes from tests/CMakeLists.txt.
set -eu
: "${LPARSIM_SRC:?}" "${LPARSIM_BUILD:?}" "${LPARSIM_TMP:?}" "${LPARSIM_CMAKE:?}"
: "${LPARSIM_CC:?}" "${LPARSIM_CXX:?}" "${LPARSIM_PKG_CONFIG:?}" "${LPARSIM_GENERATOR:?}"
: "${LPARSIM_LIBDIR:?}" "${LPARSIM_INCLUDEDIR:?}" "${LPARSIM_BINDIR:?}"

tmp=$LPARSIM_TMP
prefix=$tmp/prefix
inc=$prefix/$LPARSIM_INCLUDEDIR/lparsim
lib=$prefix/$LPARSIM_LIBDIR
data=$LPARSIM_SRC/tests/data/install
example=$LPARSIM_SRC/sim/systemc/examples/dram_target_example.cpp
rm -rf "$tmp"
mkdir -p "$tmp"

fail() {
    echo "check_install: $*" >&2
    exit 1
}
# run NAME CMD...: run CMD, its output to $tmp/NAME.log, shown on failure
run() {
    name=$1
    shift
    if ! "$@" >"$tmp/$name.log" 2>&1; then
        cat "$tmp/$name.log" >&2
        fail "$name failed: $*"
    fi
}

echo "== install into $prefix"
run install "$LPARSIM_CMAKE" --install "$LPARSIM_BUILD" --prefix "$prefix"

echo "== installed tree"
for f in lparsim lparsim-sc; do
    test -x "$prefix/$LPARSIM_BINDIR/$f" || fail "missing $LPARSIM_BINDIR/$f"
done
for l in core memctl tlb mmu cpu hyp lpar machine systemc; do
    test -f "$lib/liblparsim_$l.a" || fail "missing $LPARSIM_LIBDIR/liblparsim_$l.a"
done
for f in cmake/lparsim/lparsim-config.cmake cmake/lparsim/lparsim-config-version.cmake \
         cmake/lparsim/lparsim-targets.cmake pkgconfig/lparsim.pc pkgconfig/lparsim-systemc.pc; do
    test -f "$lib/$f" || fail "missing $LPARSIM_LIBDIR/$f"
done
# every public header of sim/ (feature folders included), and no internal one
(cd "$LPARSIM_SRC/sim" && find . -path ./cli -prune -o \( -name '*.h' -o -name '*.hpp' \) -print) |
    while read -r h; do
        case "$h" in
        *_int.h | *_priv.h | *_internal.h | */dram_apply.h)
            test ! -e "$inc/$h" || fail "internal header installed: $h" ;;
        *) test -f "$inc/$h" || fail "public header not installed: $h" ;;
        esac
    done
test -f "$inc/machine/machine.h" || fail "no machine/machine.h under $inc"
test ! -e "$inc/cli" || fail "sim/cli headers installed"
run version "$prefix/$LPARSIM_BINDIR/lparsim" --version
grep -q '^lparsim [0-9]' "$tmp/version.log" || fail "lparsim --version: $(cat "$tmp/version.log")"
run sc_version "$prefix/$LPARSIM_BINDIR/lparsim-sc" --version
run lparsim_run "$prefix/$LPARSIM_BINDIR/lparsim" run "$data/tiny.yaml" --quiet

echo "== every installed header compiles alone"
sc_cflags=$("$LPARSIM_PKG_CONFIG" --cflags systemc)
for h in $(cd "$inc" && find . -name '*.h' | sort); do
    printf '#include "%s"\n' "$h" >"$tmp/h.c"
    run header_c "$LPARSIM_CC" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/h.c"
    run header_cxx "$LPARSIM_CXX" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$inc" \
        -x c++ "$tmp/h.c"
done
for h in $(cd "$inc" && find . -name '*.hpp' | sort); do
    printf '#include "%s"\n' "$h" >"$tmp/h.cpp"
    # shellcheck disable=SC2086 # word splitting of the cflags is intended
    run header_hpp "$LPARSIM_CXX" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$inc" \
        $sc_cflags "$tmp/h.cpp"
done

echo "== find_package(lparsim): an out-of-tree CMake project"
run consumer_configure "$LPARSIM_CMAKE" -S "$data" -B "$tmp/consumer" -G "$LPARSIM_GENERATOR" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$LPARSIM_CC" -DCMAKE_CXX_COMPILER="$LPARSIM_CXX" \
    -DLPARSIM_EXAMPLE="$example"
grep -q "^lparsim_DIR:PATH=$lib/cmake/lparsim\$" "$tmp/consumer/CMakeCache.txt" ||
    fail "find_package(lparsim) did not find the package in $prefix: $(grep lparsim_DIR "$tmp/consumer/CMakeCache.txt")"
run consumer_build "$LPARSIM_CMAKE" --build "$tmp/consumer" -j 2
run consumer_dram_target_example "$tmp/consumer/dram_target_example"
run consumer_embed "$tmp/consumer/embed" "$data/tiny.yaml" 5

echo "== pkg-config --static lparsim, lparsim-systemc"
PKG_CONFIG_PATH=$lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
run pc_validate "$LPARSIM_PKG_CONFIG" --validate lparsim lparsim-systemc
pc_c=$("$LPARSIM_PKG_CONFIG" --static --cflags --libs lparsim)
pc_sc=$("$LPARSIM_PKG_CONFIG" --static --cflags --libs lparsim-systemc)
# shellcheck disable=SC2086
run pc_build_embed "$LPARSIM_CC" -std=c11 -Wall -Wextra -Werror "$data/embed.c" -o "$tmp/embed_pc" $pc_c
run pc_embed "$tmp/embed_pc" "$data/tiny.yaml" 5
# shellcheck disable=SC2086
run pc_build_example "$LPARSIM_CXX" -std=c++17 -Wall -Wextra -Werror "$example" \
    -o "$tmp/dram_target_example_pc" $pc_sc
run pc_dram_target_example "$tmp/dram_target_example_pc"

echo "check_install: ok"
