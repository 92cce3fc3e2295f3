// The C interface of the SentencePiece plugin (libloconet_spm.so), private to datasets/.
//
// Why a plugin: Debian's libsentencepiece carries its own copy of protobuf-lite, which clashes
// with the libprotobuf that LibTorch loads (the process crashes at start-up when both are linked
// into one binary). The plugin is loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND), so
// SentencePiece binds to its own protobuf and nothing else sees it.
//
// Every function returns 0 on success; on failure it returns non-zero and, where `err` is given,
// stores a malloc'ed message there. Buffers handed out are freed with loconet_spm_free.
#pragma once

#include <stddef.h>

extern "C" {

typedef int (*loconet_spm_train_fn)(const char* const* sentences, const size_t* lengths,
                                    size_t count, const char* const* keys,
                                    const char* const* values, size_t nargs, unsigned seed,
                                    char** model, size_t* model_len, char** err);
typedef void* (*loconet_spm_load_fn)(const char* bytes, size_t len, char** err);
typedef int (*loconet_spm_info_fn)(void* processor, int* pieces, int* eos_id);
typedef int (*loconet_spm_is_control_fn)(void* processor, int id);
typedef int (*loconet_spm_encode_fn)(void* processor, const char* text, size_t len, int** ids,
                                     size_t* count);
typedef int (*loconet_spm_decode_fn)(void* processor, const int* ids, size_t count, char** text,
                                     size_t* len);
typedef void (*loconet_spm_free_processor_fn)(void* processor);
typedef void (*loconet_spm_free_fn)(void* buffer);

}  // extern "C"
