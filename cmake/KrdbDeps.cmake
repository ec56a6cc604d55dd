# Locates krdb's dependencies. Several Debian packages ship neither CMake configs nor pkg-config
# files (libdwarf 20210528, liblldb-19-dev): those are found by header and library name.
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)

find_path(LIBDWARF_INCLUDE_DIR libdwarf/libdwarf.h REQUIRED)
find_library(LIBDWARF_LIBRARY dwarf REQUIRED)
find_library(LIBELF_LIBRARY elf REQUIRED)
find_library(ZLIB_LIBRARY z REQUIRED)
add_library(krdb::dwarf INTERFACE IMPORTED)
target_include_directories(krdb::dwarf INTERFACE ${LIBDWARF_INCLUDE_DIR})
target_link_libraries(krdb::dwarf INTERFACE ${LIBDWARF_LIBRARY} ${LIBELF_LIBRARY} ${ZLIB_LIBRARY})

find_path(LIBKDUMPFILE_INCLUDE_DIR libkdumpfile/kdumpfile.h REQUIRED)
find_library(LIBKDUMPFILE_LIBRARY kdumpfile REQUIRED)
find_library(LIBADDRXLAT_LIBRARY addrxlat REQUIRED)
add_library(krdb::kdumpfile INTERFACE IMPORTED)
target_include_directories(krdb::kdumpfile INTERFACE ${LIBKDUMPFILE_INCLUDE_DIR})
target_link_libraries(krdb::kdumpfile INTERFACE ${LIBKDUMPFILE_LIBRARY} ${LIBADDRXLAT_LIBRARY})

if(KRDB_BUILD_PLUGIN)
  # Headers only: the plugin must NOT link liblldb (see shared/docs/facts.md); SB symbols resolve
  # from the lldb process that dlopens it.
  find_path(LLDB_INCLUDE_DIR lldb/API/LLDB.h PATHS /usr/lib/llvm-19/include REQUIRED)
endif()
find_program(LLDB_EXECUTABLE NAMES lldb-19 lldb PATHS /usr/lib/llvm-19/bin)
find_program(FILECHECK_EXECUTABLE FileCheck PATHS /usr/lib/llvm-19/bin)
