import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilTestSupport

/// OTRF Security-Datasets attack simulations (flattened Windows event JSON): the rules for each
/// technique fire on its dataset and on none of the others (a rough false-positive check).
///
/// The SigmaHQ regression set holds rules for only one of these techniques (bitsadmin, four rules);
/// the others are covered by vigil's own rules in Tests/Fixtures/Sigma/otrf/rules.
struct OTRFDatasetTests {
    struct Dataset: Sendable, CustomTestStringConvertible {
        var zip: String
        /// Sigma ids of the rules written for this dataset's technique.
        var rules: [String]
        var testDescription: String { (zip as NSString).lastPathComponent }
    }

    static let datasets: [Dataset] = [
        Dataset(zip: "credential_access/host/psh_lsass_memory_dump_comsvcs.zip", rules: ["win_rundll32_comsvcs_minidump"]),
        Dataset(zip: "credential_access/host/cmd_sam_copy_esentutl.zip", rules: ["win_esentutl_sensitive_file_copy"]),
        Dataset(
            zip: "defense_evasion/host/cmd_bitsadmin_download_psh_script.zip",
            rules: [
                "d059842b-6b9d-4ed1-b5c3-5b89143c6ede", "2ddef153-167b-4e89-86b6-757a9e65dcac", "8518ed3d-f7c9-4601-a26c-f361a4256a0c",
                "5b80a791-ad9b-4b75-bcc1-ad4e1e89c200",
            ]),
        Dataset(zip: "defense_evasion/host/cmd_mshta_vbscript_execute_psh.zip", rules: ["win_mshta_inline_script"]),
        Dataset(zip: "defense_evasion/host/cmd_netsh_fw_mod_open_ports.zip", rules: ["win_netsh_firewall_allow_rule"]),
        Dataset(zip: "defense_evasion/host/psh_cmstp_execution_bypassuac.zip", rules: ["win_cmstp_silent_inf_install"]),
        Dataset(
            zip: "lateral_movement/host/mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2.zip",
            rules: ["win_mimikatz_zerologon_command", "win_security_zerologon_anonymous_computer_change"]),
        Dataset(zip: "credential_access/host/cmd_lsass_memory_dumpert_syscalls.zip", rules: []),
        Dataset(zip: "credential_access/host/cmd_psexec_lsa_secrets_dump.zip", rules: []),
        Dataset(zip: "discovery/host/empire_shell_net_localgroup_administrators.zip", rules: []),
        Dataset(zip: "execution/host/psh_powershell_httplistener.zip", rules: []),
        Dataset(zip: "persistence/host/cmd_userinitmprlogonscript_batch.zip", rules: []),
        Dataset(zip: "privilege_escalation/host/cmd_service_mod_fax.zip", rules: []),
    ]

    static let ruleSet: SigmaRuleSet = {
        let paths = [TestPaths.shared("sigma-regression/rules").path, TestPaths.fixture("Sigma/otrf/rules").path]
        return SigmaTesting.compile(paths: paths, configuration: SigmaTesting.configuration).0
    }()

    /// The JSON lines inside a dataset zip (python3's zipfile: unzip is not always installed).
    static func unzip(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(z.read(z.namelist()[0]))"
        process.arguments = ["python3", "-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: datasets)
    func techniqueRulesFireOnTheirDatasetOnly(_ dataset: Dataset) throws {
        let text = try Self.unzip(TestPaths.shared("otrf-security-datasets/atomic/windows/" + dataset.zip))
        let batch = TestEvents.json([text])
        #expect(batch.events.count > 100)
        var fired = Set<String>()
        for rules in SigmaTesting.matches(Self.ruleSet, batch) {
            for rule in rules {
                let metadata = Self.ruleSet.rule(rule)
                fired.insert(metadata.name ?? metadata.id ?? "")
                fired.insert(metadata.id ?? "")
            }
        }
        for rule in dataset.rules {
            #expect(fired.contains(rule), "\(rule) did not fire")
        }
        let othersRules = Set(Self.datasets.filter { $0.zip != dataset.zip }.flatMap(\.rules))
        #expect(fired.intersection(othersRules).isEmpty, "fired on the wrong dataset: \(fired.intersection(othersRules))")
    }
}
