#!/bin/sh
# bench/storage_bench/build.sh — builds both variants of the storage benchmark with
# Debian's Emscripten 3.1.6 into build/storage-bench/ (never into the repository):
#   sqlite3.o    .deps/sqlite/sqlite3.c, compiled once (~35 s on 2 cores), reused after
#   idbfs.js/.wasm    storage_bench.c + common_pre.js + idbfs_pre.js, linked with -lidbfs.js
#   chunks.js/.wasm   storage_bench.c + common_pre.js + chunks_pre.js
# Run from anywhere; `nice` is applied to every compiler call.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${STORAGE_BENCH_OUT:-$ROOT/build/storage-bench}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs} EMSDK_PYTHON=${EMSDK_PYTHON:-/usr/bin/python3}
SQLITE=$ROOT/.deps/sqlite
DEFS="-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DQS=0 -DSQLITE_DEFAULT_FOREIGN_KEYS=1"
mkdir -p "$OUT"
if [ ! -f "$OUT/sqlite3.o" ] || [ "$SQLITE/sqlite3.c" -nt "$OUT/sqlite3.o" ]; then
  echo "compiling sqlite3.c (once)"
  nice emcc -O2 $DEFS -c "$SQLITE/sqlite3.c" -o "$OUT/sqlite3.o"
fi
nice emcc -O2 $DEFS -I"$SQLITE" -c "$HERE/storage_bench.c" -o "$OUT/storage_bench.o"
LINK="-O2 -sALLOW_MEMORY_GROWTH=1 -sFORCE_FILESYSTEM=1 -sEXIT_RUNTIME=0
  -sEXPORTED_FUNCTIONS=_sb_open,_sb_fill,_sb_bytes,_sb_save,_sb_rows,_sb_probe,_sb_close
  -sEXPORTED_RUNTIME_METHODS=ccall,FS --pre-js $HERE/common_pre.js"
nice emcc $LINK --pre-js "$HERE/idbfs_pre.js" -lidbfs.js "$OUT/storage_bench.o" "$OUT/sqlite3.o" -o "$OUT/idbfs.js"
nice emcc $LINK --pre-js "$HERE/chunks_pre.js" "$OUT/storage_bench.o" "$OUT/sqlite3.o" -o "$OUT/chunks.js"
ls -l "$OUT"/idbfs.js "$OUT"/idbfs.wasm "$OUT"/chunks.js "$OUT"/chunks.wasm
