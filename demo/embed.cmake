# SPDX-License-Identifier: Apache-2.0
# Embed a file as a C string at build time:
#   cmake -DIN=page.html -DOUT=page.c -DNAME=symbol -P embed.cmake
# writes `const char NAME[]` (NUL-terminated) and `const size_t NAME_len`.
file(READ "${IN}" _hex HEX)
string(LENGTH "${_hex}" _n)
math(EXPR _len "${_n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" _bytes "${_bytes}")
file(WRITE "${OUT}" "/* Generated from ${IN} by demo/embed.cmake: do not edit. */\n#include <stddef.h>\n"
     "const char ${NAME}[] = {\n${_bytes}0x00};\nconst size_t ${NAME}_len = ${_len};\n")
