import HindsightCore
import Collections
import Crypto
import CZlib
import CCryptoBoringSSL
import Foundation

func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }

// SHA chain
var body = [UInt8](repeating: 0x41, count: 198)
var prev = [UInt8](repeating: 0, count: 32)
var t0 = now()
for i in 0..<1_000_000 {
    body[0] = UInt8(truncatingIfNeeded: i)
    var h = SHA256()
    h.update(data: prev)
    body.withUnsafeBytes { h.update(bufferPointer: $0) }
    prev = Array(h.finalize())
}
print("sha chain 1M x 230B:", now() - t0)
t0 = now()
var big = [UInt8](repeating: 1, count: 230_000_000)
var crc: UInt = 0
big.withUnsafeBufferPointer { b in
    var p = 0
    while p < b.count { crc = CZlib.crc32(crc, b.baseAddress! + p, 230); p += 230 }
}
print("crc 230MB in 230B calls:", now() - t0, crc)
t0 = now()
_ = SHA256.hash(data: big)
print("sha one buffer 230MB:", now() - t0)


t0 = now()
var ctx = SHA256_CTX()
var out = [UInt8](repeating: 0, count: 32)
for i in 0..<1_000_000 {
    body[0] = UInt8(truncatingIfNeeded: i)
    CCryptoBoringSSL_SHA256_Init(&ctx)
    CCryptoBoringSSL_SHA256_Update(&ctx, out, 32)
    body.withUnsafeBytes { _ = CCryptoBoringSSL_SHA256_Update(&ctx, $0.baseAddress, $0.count) }
    CCryptoBoringSSL_SHA256_Final(&out, &ctx)
}
print("boring sha chain 1M x 230B:", now() - t0)
t0 = now()
crc = CZlib.crc32(0, big, UInt32(big.count))
print("crc one call 230MB:", now() - t0)
// states
let lines = try String(contentsOfFile: "/tmp/hb/e1m.jsonl", encoding: .utf8).split(separator: "\n").prefix(300_000)
var map = StateMap()
t0 = now()
var payloads: [(String, [UInt8])] = []
for l in lines {
    let j = try JSONParser.parse(String(l))
    payloads.append((j["key"]!.stringValue!, Array(JSONSerializer.compact(j["data"]!).utf8)))
}
print("prep:", now() - t0)
t0 = now()
for (k, p) in payloads {
    let d = try JSONParser.parse(p)
    map[k] = MergePatch.apply(d, to: map[k])
}
print("fold 300k (parse+merge+tree):", now() - t0, map.count)
t0 = now()
var texts: [(String, [UInt8])] = []
for (k, v) in map { texts.append((k, Array(JSONSerializer.compact(v).utf8))) }
print("serialize states:", now() - t0, texts.reduce(0) { $0 + $1.1.count })
t0 = now()
var parsed: [(String, JSON)] = []
parsed.reserveCapacity(texts.count)
for (k, t) in texts { parsed.append((k, try JSONParser.parse(t))) }
print("parse states:", now() - t0)
t0 = now()
var m2 = StateMap()
for (k, v) in parsed { m2[k] = v }
print("tree build:", now() - t0)
t0 = now()
let m3 = StateMap(uniqueKeysWithValues: parsed)
print("tree build uniqueKeys:", now() - t0, m3.count)
var d2: [String: JSON] = [:]
t0 = now()
d2.reserveCapacity(parsed.count)
for (k, v) in parsed { d2[k] = v }
print("dict build:", now() - t0)
