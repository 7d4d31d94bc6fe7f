# allocbench_add_backend(): the one place a task-allocator backend is declared. Every
# per-backend target (runtime, scenarios, worker, micro benchmarks, per-backend test suites) is
# generated from the registry this fills, so adding a backend is its header plus one call:
#
#   allocbench_add_backend(NAME jemalloc                  # worker is allocbench-worker-jemalloc
#                          HEADER allocators/jemalloc.hpp # defines TYPE (path from the root)
#                          TYPE JemallocAllocator         # satisfies TaskAllocator
#                          PKG_CONFIG jemalloc            # links PkgConfig's target for it
#                          PACKAGES libjemalloc-dev       # Debian packages (install-deps.sh)
#                          REPLACES_MALLOC)               # not built in sanitizer trees
#
# FIND_PACKAGE pkg runs find_package(pkg) for an allocator that ships a CMake package; LIBS names
# the targets to link (its imported ones, or any other). TEST_ONLY builds the backend's
# executables in ${CMAKE_BINARY_DIR}/test-backends/ instead of next to allocbench, so a default
# `allocbench run` never picks it up.
#
# The registry: global property ALLOCBENCH_BACKENDS (built backends, in registration order, which
# is also the order the driver lists and runs them in) and ALLOCBENCH_BACKEND_ORDER (every
# non-test backend registered, built or not). Per backend: the INTERFACE target
# allocbench_backend_<name>, whose ALLOCBENCH_* properties hold what the call said.
function(allocbench_add_backend)
  cmake_parse_arguments(PARSE_ARGV 0 arg "REPLACES_MALLOC;TEST_ONLY"
                        "NAME;HEADER;TYPE;PKG_CONFIG;FIND_PACKAGE" "LIBS;PACKAGES")
  foreach(required NAME HEADER TYPE)
    if(NOT arg_${required})
      message(FATAL_ERROR "allocbench_add_backend: ${required} is required")
    endif()
  endforeach()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "allocbench_add_backend(${arg_NAME}): unknown ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${arg_HEADER})
    message(FATAL_ERROR "allocbench_add_backend(${arg_NAME}): no header ${arg_HEADER}")
  endif()
  if(NOT arg_TEST_ONLY)
    set_property(GLOBAL APPEND PROPERTY ALLOCBENCH_BACKEND_ORDER ${arg_NAME})
  endif()
  # The malloc replacements fight the sanitizers' own allocator interposition; see README.
  if(arg_REPLACES_MALLOC AND ALLOCBENCH_SANITIZE)
    return()
  endif()

  set(libs ${arg_LIBS})
  if(arg_PKG_CONFIG)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(ALLOCBENCH_PC_${arg_NAME} REQUIRED IMPORTED_TARGET GLOBAL ${arg_PKG_CONFIG})
    list(APPEND libs PkgConfig::ALLOCBENCH_PC_${arg_NAME})
  endif()
  if(arg_FIND_PACKAGE)  # its imported targets are then named in LIBS
    find_package(${arg_FIND_PACKAGE} REQUIRED GLOBAL)
  endif()

  set(target allocbench_backend_${arg_NAME})
  add_library(${target} INTERFACE)
  # backend.hpp includes HEADER and names TYPE as TaskBackend (see there).
  target_compile_definitions(${target} INTERFACE
    ALLOCBENCH_BACKEND_NAME="${arg_NAME}"
    ALLOCBENCH_BACKEND_HEADER="${arg_HEADER}"
    ALLOCBENCH_BACKEND_TYPE=${arg_TYPE}
    ALLOCBENCH_BACKEND_REPLACES_MALLOC=$<BOOL:${arg_REPLACES_MALLOC}>)
  target_link_libraries(${target} INTERFACE allocbench_allocators ${libs})
  if(arg_TEST_ONLY)
    set(dir ${CMAKE_BINARY_DIR}/test-backends)
  else()
    set(dir ${CMAKE_BINARY_DIR})
  endif()
  set_target_properties(${target} PROPERTIES
    ALLOCBENCH_LIBS "${libs}"
    ALLOCBENCH_OUTPUT_DIRECTORY "${dir}"
    ALLOCBENCH_REPLACES_MALLOC "${arg_REPLACES_MALLOC}"
    ALLOCBENCH_TEST_ONLY "${arg_TEST_ONLY}")
  set_property(GLOBAL APPEND PROPERTY ALLOCBENCH_BACKENDS ${arg_NAME})
endfunction()

# Where backend NAME's executables (worker, micro) go.
function(allocbench_backend_output_directory name out)
  get_target_property(dir allocbench_backend_${name} ALLOCBENCH_OUTPUT_DIRECTORY)
  set(${out} ${dir} PARENT_SCOPE)
endfunction()
