;; wordcount: a WASI (preview1) program for Bacalhau's wasm engine.
;;   wordcount <input file> <output file>
;; Counts the bytes, lines and words of the input, writes {"bytes":…,"lines":…,"words":…} to the output
;; file and to stdout. Paths are absolute inside the job (/inputs/…, /outputs/…); both Bacalhau (wazero)
;; and the local runner (Node's WASI) expose the job's file system as one preopened root at fd 3.
;; Compiled to wordcount.wasm by src/wasm/compile.ts with wabt; no binary is kept in git.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; Memory map: 0 iovec, 8 byte count, 12 argc, 16 argv size, 20 opened fd, 64 argv pointers,
  ;; 256 argv strings, 1024 JSON text, 2048 messages, 65536 read buffer (64 KiB).
  (memory (export "memory") 2)
  (data (i32.const 2048) "usage: wordcount <input file> <output file>\n")
  (data (i32.const 2112) "wordcount: cannot open ")
  (data (i32.const 2176) "wordcount: cannot read the input\n")
  (data (i32.const 2240) "{\22bytes\22:")
  (data (i32.const 2256) ",\22lines\22:")
  (data (i32.const 2272) ",\22words\22:")
  (data (i32.const 2288) "}\n")

  (func $strlen (param $ptr i32) (result i32)
    (local $end i32)
    (local.set $end (local.get $ptr))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (local.get $end))))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $end) (local.get $ptr)))

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $fail (param $ptr i32) (param $len i32)
    (call $write (i32.const 2) (local.get $ptr) (local.get $len))
    (call $proc_exit (i32.const 1)))

  ;; Opens an absolute path relative to the root preopen (fd 3); returns the new fd or exits with an error.
  (func $open (param $path i32) (param $forWriting i32) (result i32)
    (local $relative i32)
    (local.set $relative (local.get $path))
    (if (i32.eq (i32.load8_u (local.get $relative)) (i32.const 47)) ;; '/'
      (then (local.set $relative (i32.add (local.get $relative) (i32.const 1)))))
    (if (call $path_open
          (i32.const 3) (i32.const 0)
          (local.get $relative) (call $strlen (local.get $relative))
          (select (i32.const 9) (i32.const 0) (local.get $forWriting)) ;; O_CREAT|O_TRUNC for writing
          (select (i64.const 64) (i64.const 2) (local.get $forWriting)) ;; FD_WRITE or FD_READ
          (i64.const 0) (i32.const 0) (i32.const 20))
      (then
        (call $write (i32.const 2) (i32.const 2112) (i32.const 23))
        (call $write (i32.const 2) (local.get $path) (call $strlen (local.get $path)))
        (call $fail (i32.const 2091) (i32.const 1)))) ;; the usage text's final "\n"
    (i32.load (i32.const 20)))

  ;; Writes the decimal digits of $value at $out; returns how many.
  (func $decimal (param $value i64) (param $out i32) (result i32)
    (local $digits i32) (local $i i32) (local $swap i32)
    (loop $next
      (i32.store8 (i32.add (local.get $out) (local.get $digits))
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $value) (i64.const 10)))))
      (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
      (local.set $value (i64.div_u (local.get $value) (i64.const 10)))
      (br_if $next (i64.ne (local.get $value) (i64.const 0))))
    ;; the digits came out least significant first: reverse them
    (block $done
      (loop $reverse
        (br_if $done (i32.ge_u (local.get $i) (i32.div_u (local.get $digits) (i32.const 2))))
        (local.set $swap (i32.load8_u (i32.add (local.get $out) (local.get $i))))
        (i32.store8 (i32.add (local.get $out) (local.get $i))
          (i32.load8_u (i32.add (local.get $out) (i32.sub (i32.sub (local.get $digits) (local.get $i)) (i32.const 1)))))
        (i32.store8 (i32.add (local.get $out) (i32.sub (i32.sub (local.get $digits) (local.get $i)) (i32.const 1)))
          (local.get $swap))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $reverse)))
    (local.get $digits))

  ;; Appends $len bytes from $from at $at; returns the new end.
  (func $append (param $at i32) (param $from i32) (param $len i32) (result i32)
    (memory.copy (local.get $at) (local.get $from) (local.get $len))
    (i32.add (local.get $at) (local.get $len)))

  (func $isSpace (param $byte i32) (result i32)
    (i32.or (i32.eq (local.get $byte) (i32.const 32))
      (i32.and (i32.ge_u (local.get $byte) (i32.const 9)) (i32.le_u (local.get $byte) (i32.const 13)))))

  (func (export "_start")
    (local $input i32) (local $output i32) (local $read i32) (local $i i32) (local $byte i32)
    (local $inWord i32) (local $bytes i64) (local $lines i64) (local $words i64) (local $end i32)
    (drop (call $args_sizes_get (i32.const 12) (i32.const 16)))
    (if (i32.or (i32.lt_u (i32.load (i32.const 12)) (i32.const 3))
                (i32.gt_u (i32.load (i32.const 16)) (i32.const 768)))
      (then (call $fail (i32.const 2048) (i32.const 44))))
    (drop (call $args_get (i32.const 64) (i32.const 256)))
    (local.set $input (call $open (i32.load (i32.const 68)) (i32.const 0)))
    (local.set $output (call $open (i32.load (i32.const 72)) (i32.const 1)))

    (block $eof
      (loop $chunk
        (i32.store (i32.const 0) (i32.const 65536))
        (i32.store (i32.const 4) (i32.const 65536))
        (if (call $fd_read (local.get $input) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $fail (i32.const 2176) (i32.const 33))))
        (local.set $read (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $read)))
        (local.set $bytes (i64.add (local.get $bytes) (i64.extend_i32_u (local.get $read))))
        (local.set $i (i32.const 0))
        (block $scanned
          (loop $scan
            (br_if $scanned (i32.ge_u (local.get $i) (local.get $read)))
            (local.set $byte (i32.load8_u (i32.add (i32.const 65536) (local.get $i))))
            (if (i32.eq (local.get $byte) (i32.const 10))
              (then (local.set $lines (i64.add (local.get $lines) (i64.const 1)))))
            (if (call $isSpace (local.get $byte))
              (then (local.set $inWord (i32.const 0)))
              (else
                (if (i32.eqz (local.get $inWord))
                  (then (local.set $words (i64.add (local.get $words) (i64.const 1)))))
                (local.set $inWord (i32.const 1))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $scan)))
        (br $chunk)))
    (drop (call $fd_close (local.get $input)))

    (local.set $end (call $append (i32.const 1024) (i32.const 2240) (i32.const 9)))
    (local.set $end (i32.add (local.get $end) (call $decimal (local.get $bytes) (local.get $end))))
    (local.set $end (call $append (local.get $end) (i32.const 2256) (i32.const 9)))
    (local.set $end (i32.add (local.get $end) (call $decimal (local.get $lines) (local.get $end))))
    (local.set $end (call $append (local.get $end) (i32.const 2272) (i32.const 9)))
    (local.set $end (i32.add (local.get $end) (call $decimal (local.get $words) (local.get $end))))
    (local.set $end (call $append (local.get $end) (i32.const 2288) (i32.const 2)))
    (call $write (local.get $output) (i32.const 1024) (i32.sub (local.get $end) (i32.const 1024)))
    (drop (call $fd_close (local.get $output)))
    (call $write (i32.const 1) (i32.const 1024) (i32.sub (local.get $end) (i32.const 1024)))))
