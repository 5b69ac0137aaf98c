import Foundation
import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

/// Real JSON logs read in place: Zeek (wrccdc-zeek-json, CC BY-SA 4.0; stratosphere-zeek, GPLv2) and OTRF
/// Security-Datasets (MIT). Every object parses as JSON with no failure; a few concrete nested values
/// are checked through their dotted paths.
@Suite struct JSONDatasetTests {
    /// Parses every line; returns the batch after checking that each became a JSON event.
    static func parseAll(_ lines: [[UInt8]], _ name: String, options: ParserOptions = ParserOptions()) -> EventBatch {
        var parser = BatchParser(options: options)
        let batch = parser.parse(rawBatch(lines))
        let failed = batch.events.enumerated().filter { $0.element.format != .json }
        #expect(
            failed.isEmpty,
            "\(name): \(failed.count) lines not JSON, first: \(failed.first.map { "\($0.offset + 1): \($0.element.parseFailure.map(\.description) ?? "raw")" } ?? "")"
        )
        return batch
    }

    static let wrccdcCounts = [
        "weird": 24202, "rdp": 4122, "syslog": 2378, "known_services": 1579, "smtp": 1188, "ntp": 904, "ntlm": 422, "smb_mapping": 393,
        "software": 376, "x509": 348, "modbus": 268, "notice": 207, "ssh": 22, "kerberos": 11,
    ]

    @Test func wrccdcZeekLogs() throws {
        let folder = TestPaths.shared("wrccdc-zeek-json")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json.gz") }.sorted()
        #expect(files.count == 27)
        var total = 0
        for file in files {
            let lines = splitLines(try decompressedShared("/usr/bin/gzip", ["-dc"], "wrccdc-zeek-json/\(file)"))
            let log = String(file.dropLast(".json.gz".count))
            if let count = Self.wrccdcCounts[log] { #expect(lines.count == count, "\(file)") }
            let batch = Self.parseAll(lines, file)
            total += lines.count
            let first = batch.events[0]
            #expect(batch.values("_path", of: first) == [log])
            #expect(first.hasOwnTime, "\(file): ts")
            switch log {
            case "ssh":
                #expect(batch.values("id.orig_h", of: first) == ["10.0.0.227"])
                #expect(
                    batch.fields[first.fields.range].first { $0.name == Symbol("id.resp_p") }.map { "\(batch.string($0.value)):\($0.kind)" }
                        == "22:number")
                #expect(batch.fields[first.fields.range].first { $0.name == Symbol("auth_success") }?.kind == .boolean)
                #expect(first.time.rfc3339(fractionDigits: Int(first.timePrecision)) == "2018-03-24T17:16:39.739898Z")
            case "smtp":
                let paths = batch.events.first { !batch.values("path", of: $0).isEmpty }.map { batch.values("path", of: $0) }
                #expect((paths?.count ?? 0) >= 2, "smtp path is an array")
            case "x509":
                #expect(batch.values("certificate.version", of: first) == ["3"])
                #expect(batch.values("certificate.subject", of: first).first?.hasPrefix("unstructuredName=1315656901\\,564d") == true)
            default: break
            }
        }
        #expect(total == 37069)
    }

    @Test func stratosphereZeekJSON() throws {
        let conn = Self.parseAll(try sharedLines("stratosphere-zeek/002-zeek-scenario-port-scanning/conn.log"), "002 conn")
        #expect(conn.events.count == 4504)
        let first = conn.events[0]
        #expect(conn.values("id.orig_h", of: first) == ["172.16.1.11"] && conn.values("id.resp_p", of: first) == ["53"])
        #expect(first.time.rfc3339(fractionDigits: Int(first.timePrecision)) == "2022-09-29T14:40:56.755299Z")
        let scanner = Symbol("id.orig_h")
        let fromScanner = conn.events.filter { e in conn.field(scanner, of: e).map { conn.string($0.value) } == "172.16.1.11" }
        #expect(fromScanner.count > 4000)
        let ssh = Self.parseAll(try sharedLines("stratosphere-zeek/004-zeek-scenario-ssh/ssh.log"), "004 ssh")
        #expect(ssh.events.count == 396)
    }

    static let otrfZips = [
        "atomic/aws/collection/ec2_proxy_s3_exfiltration.zip",
        "atomic/windows/credential_access/host/psh_lsass_memory_dump_comsvcs.zip",
        "atomic/windows/credential_access/host/cmd_sam_copy_esentutl.zip",
        "atomic/windows/credential_access/host/cmd_lsass_memory_dumpert_syscalls.zip",
        "atomic/windows/credential_access/host/cmd_psexec_lsa_secrets_dump.zip",
        "atomic/windows/credential_access/host/empire_mimikatz_logonpasswords.zip",
        "atomic/windows/defense_evasion/host/cmd_netsh_fw_mod_open_ports.zip",
        "atomic/windows/defense_evasion/host/cmd_bitsadmin_download_psh_script.zip",
        "atomic/windows/defense_evasion/host/cmd_mshta_vbscript_execute_psh.zip",
        "atomic/windows/defense_evasion/host/psh_cmstp_execution_bypassuac.zip",
        "atomic/windows/persistence/host/cmd_userinitmprlogonscript_batch.zip",
        "atomic/windows/discovery/host/empire_shell_net_localgroup_administrators.zip",
        "atomic/windows/privilege_escalation/host/cmd_service_mod_fax.zip",
        "atomic/windows/lateral_movement/host/mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2.zip",
        "atomic/windows/execution/host/psh_powershell_httplistener.zip",
    ]

    /// The JSON-lines zips (the Linux ones hold auditd text and the S3 honey-bucket one a CSV: not JSON).
    @Test(arguments: otrfZips)
    func otrfSecurityDatasets(zip: String) throws {
        let lines = splitLines(try decompressedShared("/usr/bin/unzip", ["-p"], "otrf-security-datasets/\(zip)"))
        #expect(!lines.isEmpty)
        let batch = Self.parseAll(lines, zip)
        if zip.contains("psh_lsass_memory_dump_comsvcs") {
            #expect(batch.events.count == 184)
            #expect(batch.string(batch.events[0].host) == "WORKSTATION5")
            let minidump = batch.events.filter { e in
                batch.values("EventID", of: e) == ["1"]
                    && batch.values("CommandLine", of: e).contains { $0.contains("comsvcs.dll") && $0.contains("MiniDump") }
            }
            #expect(!minidump.isEmpty, "Sysmon EID 1 with comsvcs.dll MiniDump")
            #expect(batch.values("Message", of: batch.events[0]).first?.contains("\r\n\tSecurity ID:") == true)
        }
        if zip.contains("ec2_proxy") {
            let e = batch.events[0]
            #expect(batch.values("userIdentity.sessionContext.attributes.mfaAuthenticated", of: e) == ["true"])
            #expect(batch.values("requestParameters.DescribeInstanceTypesRequest.MaxResults", of: e) == ["100"])
            #expect(e.time.rfc3339(fractionDigits: 3) == "2020-09-14T00:44:23.000Z")
            #expect(
                batch.events.contains { batch.values("requestParameters.instancesSet.items.instanceId", of: $0) == ["i-044b1baf4c96e1b62"] }
            )
        }
    }

    @Test(arguments: ["day1", "day2"])
    func otrfAPT29Zeek(day: String) throws {
        let batch = Self.parseAll(try sharedLines("otrf-security-datasets/compound/apt29/\(day)/combined_zeek.log"), day)
        #expect(batch.events.count == (day == "day1" ? 2140 : 5664))
        #expect(batch.events.allSatisfy { batch.values("@stream", of: $0).count == 1 })
        #expect(batch.events.allSatisfy { $0.hasOwnTime == !batch.values("ts", of: $0).isEmpty })
        #expect(batch.events.contains { batch.values("@stream", of: $0) == ["conn"] && !batch.values("id_orig_h", of: $0).isEmpty })
    }
}
