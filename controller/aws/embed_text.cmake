# cmake -DINPUT=file -DOUTPUT=file.cc -DSYMBOL=name -P embed_text.cmake
# Writes `extern const char* const byoipd::aws::<SYMBOL>` holding the file's text.
file(READ ${INPUT} text)
string(FIND "${text}" ")byoipd_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter")
endif()
# Runs only when the input changed (the custom command's DEPENDS), so the
# output is always rewritten and gets a fresh timestamp.
file(WRITE ${OUTPUT}
  "// Generated from ${INPUT} by embed_text.cmake. Do not edit.\n"
  "namespace byoipd::aws {\n"
  "extern const char* const ${SYMBOL};\n"
  "const char* const ${SYMBOL} = R\"byoipd_embed(${text})byoipd_embed\";\n"
  "}  // namespace byoipd::aws\n")
