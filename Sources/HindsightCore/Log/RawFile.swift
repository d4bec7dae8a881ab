#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A POSIX file descriptor with errors that name the file. Closed on deinit.
final class RawFile: @unchecked Sendable {
    let path: String
    let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    static func openForReading(_ path: String) throws -> RawFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("cannot open \(path)", errno) }
        return RawFile(path: path, fd: fd)
    }

    /// Opens for reading and writing, creating the file (mode 0644) when `create` is set.
    static func openForWriting(_ path: String, create: Bool) throws -> RawFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw ioError("cannot open \(path) for writing", errno) }
        return RawFile(path: path, fd: fd)
    }

    static func ioError(_ what: String, _ code: Int32) -> HindsightError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT: return HindsightError(.notFound, "\(what): \(reason)", hint: "check the path")
        case EACCES, EPERM, EROFS: return HindsightError(.io, "\(what): \(reason)", hint: "check the file's permissions")
        case ENOSPC: return HindsightError(.io, "\(what): \(reason)", hint: "free some disk space and run the command again")
        default: return HindsightError(.io, "\(what): \(reason)")
        }
    }

    /// The file's current size in bytes.
    func size() throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RawFile.ioError("cannot stat \(path)", errno) }
        return Int(st.st_size)
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read (short at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.ioError("cannot read \(path) at byte \(offset + done)", errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly the bytes `range` (fewer only at end of file).
    func read(_ range: Range<Int>) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: range.count)
        let n = try out.withUnsafeMutableBytes { (buf) throws -> Int in try read(into: buf, at: range.lowerBound) }
        if n < out.count { out.removeLast(out.count - n) }
        return out
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.ioError("cannot write \(path)", errno)
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw, at: offset) }
    }

    func truncate(to size: Int) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw RawFile.ioError("cannot truncate \(path)", errno) }
    }

    /// Makes written data durable.
    func sync() throws {
        guard fsync(fd) == 0 else { throw RawFile.ioError("cannot sync \(path) to disk", errno) }
    }

    /// Takes an exclusive advisory lock without waiting; false when another process holds it.
    func tryLockExclusive() throws -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw RawFile.ioError("cannot lock \(path)", errno)
    }
}

/// File-system helpers that name the path in their errors.
public enum FileSystem {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether something other than a regular file or a directory is at `path` (a device such as
    /// `/dev/null`, a FIFO, a socket): written to in place, never replaced.
    static func isSpecialFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let kind = st.st_mode & S_IFMT
        return kind != S_IFREG && kind != S_IFDIR
    }

    static func makeDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        // Create parents first.
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let parent = String(path[..<slash])
            if !parent.isEmpty && !exists(parent) { try makeDirectory(parent) }
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw RawFile.ioError("cannot create directory \(path)", errno)
        }
    }

    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw RawFile.ioError("cannot list \(path)", errno) }
        defer { closedir(dir) }
        var names: [String] = []
        // The name is read in place: readdir's records are only as long as their name (d_reclen), so
        // copying the whole `d_name` array reads past the end of the last one (AddressSanitizer).
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        while let entry = readdir(dir) {
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw RawFile.ioError("cannot rename \(from) to \(to)", errno) }
    }

    /// Fsyncs a directory so that a rename or a new file in it is durable.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// Writes a whole file atomically: temporary file, fsync, rename, fsync of the directory.
    static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let tmp = path + ".tmp-\(getpid())"
        let file = try RawFile.openForWriting(tmp, create: true)
        do {
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
            try rename(tmp, path)
        } catch {
            remove(tmp)
            throw error
        }
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        syncDirectory(dir.isEmpty ? "/" : dir)
    }

    /// Reads a whole file (into uninitialized storage: no zero-filling first).
    static func readAll(_ path: String) throws -> [UInt8] {
        let file = try RawFile.openForReading(path)
        let size = try file.size()
        var failure: Error?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            do {
                count = try readHalves(file, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Files at least this large are read in two halves on two cores (`readAll`).
    static let parallelReadBytes = 64 << 20

    /// Reads a file's first `buffer.count` bytes into `buffer`; a large file's two halves on two cores
    /// at once: most of reading a large input is the kernel filling fresh pages, which one core does at
    /// about 2 GB/s here. Returns the bytes read (fewer when the file is shorter).
    private static func readHalves(_ file: RawFile, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count >= parallelReadBytes else { return try file.read(into: buffer, at: 0) }
        // Each half's count and error in fields of their own (the two threads write different ones).
        final class Half: @unchecked Sendable {
            var read = 0
            var error: Error?
        }
        let halves = [Half(), Half()]
        let middle = buffer.count / 2
        nonisolated(unsafe) let target = buffer
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let range = i == 0 ? 0..<middle : middle..<target.count
            do {
                halves[i].read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: target[range]), at: range.lowerBound)
            } catch {
                halves[i].error = error
            }
        }
        if let error = halves[0].error ?? halves[1].error { throw error }
        return halves[0].read < middle ? halves[0].read : middle + halves[1].read
    }
}

extension FileSystem {
    /// Whether a path is a directory (public for the command line).
    public static func isDirectoryPath(_ path: String) -> Bool { isDirectory(path) }
}

/// A whole file mapped read-only (unmapped on deinit). Used for derived files that are replaced by
/// rename, never cut in place, so the mapping stays valid.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path`; nil when it is missing, empty or cannot be mapped.
    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else { return nil }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// Maps an input file of at least `minimumSize` bytes privately and read-only, its pages mapped up
    /// front (`MAP_POPULATE`: the page cache's pages, no copies); nil for anything else (a pipe, a
    /// small file, or a file that cannot be mapped), which the caller reads instead.
    init?(input path: String, minimumSize: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size >= max(1, minimumSize) else { return nil }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), p != MAP_FAILED else { return nil }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
