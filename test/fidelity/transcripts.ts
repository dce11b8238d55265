// Request/response pairs transcribed from public material (issue 12, "Site systems that real clients
// accept"). Each record names its source, what the tool or client sends, and what it needs back to
// carry on — the parsing it does, quoted. The engine in fidelity.test.ts sends the request to the mock
// role and applies the tool's own reading to the answer; generated IDs, keys and times may differ.
//
// Sources (research note W:18, W:21, W:25, W:29, W:68–W:70):
// - SECRETS  synacktiv/SCCMSecrets `policies_dumper.py` (register_client, request_policies, request_policy)
//            and `file_dumper.py` (fetch_package_ids_from_datalib, recursive_package_directory_fetch,
//            download_files);
// - CRED2    subat0mik/Misconfiguration-Manager `attack-techniques/CRED/CRED-2/cred-2_description.md`
//            (SharpSCCM `get secrets` transcript);
// - SHARP    Mayyhem/SharpSCCM `lib/MgmtPointMessaging.cs` SendPolicyDownloadRequest;
// - WTF      xpn/sccmwtf `sccmwtf.py` (sendPolicyRequest, requestPolicy);
// - MSF      rapid7/metasploit-framework `lib/msf/core/exploit/remote/http/sccm.rb` (request_policy).

/** How a tool signs: CryptoAPI byte order, DigestInfo (`key.sign(SHA256)`) or CRYPT_NOHASHOID (W:19). */
export type Padding = 'digest-info' | 'no-hash-oid';

export interface ReplyTranscript {
  id: string;
  deviation: number;
  source: string;
  /** Which CCM message the simulated client sends (the same bytes as the tools' templates, W:14–W:16). */
  message: 'registration' | 'assignments';
  /** The reply as the tool reads it: the decompressed UTF-16 text minus exactly one trailing character. */
  toolReads: 'decode-utf16-strip-one';
  rootElement: string;
  /** Attributes the tool reads off the root or its `<Policy>` elements. */
  attributes: { element: string; names: string[] }[];
}

export const replyTranscripts: ReplyTranscript[] = [
  {
    id: 'FID-REPLY-END-REGISTRATION',
    deviation: 1,
    source:
      'SECRETS policies_dumper.py register_client: `zlib.decompress(part.content).decode(\'utf-16\')`, `ET.fromstring(register_response[:-1])`, `root.attrib["SMSID"]`',
    message: 'registration',
    toolReads: 'decode-utf16-strip-one',
    rootElement: 'ClientRegistrationResponse',
    attributes: [{ element: 'ClientRegistrationResponse', names: ['SMSID'] }],
  },
  {
    id: 'FID-REPLY-END-ASSIGNMENTS',
    deviation: 1,
    source:
      'SECRETS policies_dumper.py request_policies: `ET.fromstring(policies_response[:-1])`, `root.findall(".//Policy")`, `policy.attrib["PolicyID"]`…, `policy[0].text.replace("<mp>", …)`',
    message: 'assignments',
    toolReads: 'decode-utf16-strip-one',
    rootElement: 'ReplyAssignments',
    attributes: [{ element: 'Policy', names: ['PolicyID', 'PolicyVersion', 'PolicyType', 'PolicyCategory', 'PolicyFlags'] }],
  },
];

export interface PolicyLocationTranscript {
  id: string;
  deviation: number;
  source: string;
  /** A location exactly as the public transcript shows it. */
  observed: string;
  /** The pattern a tool extracts the location with from the raw reply text. */
  extract: RegExp;
}

export const policyLocationTranscripts: PolicyLocationTranscript[] = [
  {
    id: 'FID-POLICY-LOCATION-CDATA',
    deviation: 3,
    source:
      'CRED2 (SharpSCCM output `URL: http://<mp>/SMS_MP/.sms_pol?{c6fe32fb-…}.2_00`); WTF sendPolicyRequest `<!\\[CDATA\\[https*://<mp>([^]]+)`',
    observed: 'http://<mp>/SMS_MP/.sms_pol?{c6fe32fb-7e9c-4776-abe3-2a6d107447f1}.2_00',
    extract: /<PolicyLocation[^>]*><!\[CDATA\[(https*:\/\/<mp>[^\]]+)\]\]><\/PolicyLocation>/g,
  },
];

export interface PolicyDownloadTranscript {
  id: string;
  deviation: number;
  source: string;
  /** `{smsId}` and `{timestamp}` are filled in; the transcript's values are the shape. */
  clientToken: string;
  observedClientToken: string;
  padding: Padding;
  /** How the tool turns the PolicyLocation into a request target. */
  target: 'percent-encode-braces' | 'literal';
  userAgent: string;
}

export const policyDownloadTranscripts: PolicyDownloadTranscript[] = [
  {
    id: 'FID-POLICY-CLIENTTOKEN-SHARPSCCM',
    deviation: 2,
    source:
      'CRED2 transcript (`ClientToken: GUID:72C913C4-…;2023-10-26T19:06:06Z`, `ClientTokenSignature: 87F9D5EB…` upper-case hex); SHARP SendPolicyDownloadRequest (`Encoding.Unicode.GetBytes(token + "\\0")`, `CryptNoHashId`, User-Agent `ConfigMgr Messaging HTTP Sender`)',
    clientToken: '{smsId};{timestamp}',
    observedClientToken: 'GUID:72C913C4-F54F-4A07-9EED-918DC07F7EAD;2023-10-26T19:06:06Z',
    padding: 'no-hash-oid',
    // .NET HttpClient escapes the braces of the location it was given (System.Uri) [INFER].
    target: 'percent-encode-braces',
    userAgent: 'ConfigMgr Messaging HTTP Sender',
  },
  {
    id: 'FID-POLICY-CLIENTTOKEN-SCCMWTF-MSF',
    deviation: 2,
    source:
      "WTF requestPolicy (`\"GUID:{};{};2\"`, signNoHash = DigestInfo SHA-256 reversed, `.encode('utf-16')[2:] + \"\\x00\\x00\"`); MSF request_policy (`GUID:#{sms_id};#{now};2`, `gsub('{', '%7B').gsub('}', '%7D')`)",
    clientToken: '{smsId};{timestamp};2',
    observedClientToken: 'GUID:72C913C4-F54F-4A07-9EED-918DC07F7EAD;2023-10-26T19:06:06Z;2',
    padding: 'digest-info',
    target: 'percent-encode-braces',
    userAgent: 'ConfigMgr Messaging HTTP Sender',
  },
];

export interface DistributionPointCrawl {
  id: string;
  deviation: number;
  source: string;
  /** What the tool GETs first, relative to `-dp http://<dp>`. */
  index: string;
  /** The package page the tool builds from an index entry. */
  packagePage: (packageId: string) => string;
  userAgent: string;
}

export const distributionPointCrawls: DistributionPointCrawl[] = [
  {
    id: 'FID-DP-DATALIB-CRAWL',
    deviation: 5,
    source:
      "SECRETS file_dumper.py: GET `{dp}/sms_dp_smspkg$/datalib`, package ID = last path part of each anchor not ending `.INI`; GET `{dp}/sms_dp_smspkg$/{package_id}`; an anchor whose preceding text contains `dir` is a folder fetched by its href; every other anchor is downloaded by its href, package = `urlparse(href).path.split('/')[2]`; UA `SMS CCM 5.0 TS` (conf.py)",
    index: '/sms_dp_smspkg$/datalib',
    packagePage: (packageId) => `/sms_dp_smspkg$/${packageId}`,
    userAgent: 'SMS CCM 5.0 TS',
  },
];

/** What a tool reads off an XML answer: a child of the root (`root.find`) or an element at any depth (`//`). */
export interface XmlRead {
  element: string;
  where: 'root-child' | 'any-depth';
  /** An attribute of it, or its text when absent. */
  attribute?: string;
}

export interface ProbeTranscript {
  id: string;
  deviation: number;
  source: string;
  method: string;
  target: string;
  /** A CCM message to post (built like the tools' templates), when the probe carries one. */
  message?: { targetEndpoint: string; replyMode: 'Async'; body: string };
  status: number;
  /** XML the tool reads from a 200, with the root element it gets. */
  xml?: { root: string; reads: XmlRead[] };
  /** The MIME chunks of a CCM reply, as text (UTF-16LE after the BOM). */
  chunks?: string[];
  /** The connection the probe comes on (default plain HTTP). */
  connection?: 'tls-without-client-certificate';
  /** A hex DER certificate in `<X509Certificate>` and what the tool reads off it. */
  certificate?: { issuerCommonName: RegExp; subjectAltNameDns: boolean };
  /** The authentication scheme a 401 must offer (`WWW-Authenticate`), where the status alone does not tell. */
  challenge?: RegExp;
}

export const probeTranscripts: ProbeTranscript[] = [
  {
    id: 'FID-MP-MPKEYINFORMATION',
    deviation: 4,
    source:
      'SpecterOps/ConfigManBearPig `src/openhound_sccm/collectors/http.py` management_points: GET `/SMS_MP/.sms_aut?MPKEYINFORMATION`, 200 with content = MP; `_parse_mpkeyinformation` reads FQDN and SITECODE',
    method: 'GET',
    target: '/SMS_MP/.sms_aut?MPKEYINFORMATION',
    status: 200,
    xml: {
      root: 'MPKEYINFORMATION',
      reads: [
        { element: 'FQDN', where: 'any-depth' },
        { element: 'SITECODE', where: 'any-depth' },
      ],
    },
  },
  {
    id: 'FID-MP-MPKEYINFORMATIONMEDIA',
    deviation: 4,
    source:
      'PXEThief/SharpSCCM boot-media flow (W:8): GET `/SMS_MP/.sms_aut?MPKEYINFORMATIONMEDIA`; SharpSCCM `SelectNodes("//UnknownMachines")` → `x64UnknownMachineGUID`; a Python port reads `root.find("UnknownMachines").get("x64UnknownMachineGUID")`, `root.find("SITECODE").text`',
    method: 'GET',
    target: '/SMS_MP/.sms_aut?MPKEYINFORMATIONMEDIA',
    status: 200,
    xml: {
      root: 'MPKEYINFORMATIONMEDIA',
      reads: [
        { element: 'SITECODE', where: 'root-child' },
        { element: 'UnknownMachines', where: 'root-child', attribute: 'x64UnknownMachineGUID' },
        { element: 'UnknownMachines', where: 'any-depth', attribute: 'x86UnknownMachineGUID' },
      ],
    },
  },
  {
    id: 'FID-MP-ALTAUTH-FOLDER',
    deviation: 4,
    source: 'garrettfoster13/sccmhunter `lib/attacks/http.py`: `GET https://{server}/ccm_system_altauth/` → 403 means MP',
    method: 'GET',
    target: '/ccm_system_altauth/',
    status: 403,
  },
  {
    id: 'FID-MP-ALTAUTH-REQUEST',
    deviation: 4,
    source:
      'garrettfoster13/sccmhunter `lib/attacks/http.py`: empty `CCM_POST https://{server}/ccm_system_altauth/request` → 200 means MP; SupportArticles smsts.log `CCM_POST /ccm_system_AltAuth/request` "SSL, but with no client cert" (W:10)',
    method: 'CCM_POST',
    target: '/ccm_system_AltAuth/request',
    status: 200,
  },
  {
    id: 'FID-MP-ASYNC-NOREPLY',
    deviation: 4,
    source:
      'Microsoft.ConfigurationManagement.Messaging.dll strings (W:18): "Expected 1 MIME chunk with a message of \'NoReply\'"; DDR to MP_DdrEndpoint with ReplyMode Async as sccmhunter/SharpSCCM SendDDR send it (W:17)',
    method: 'CCM_POST',
    target: '/ccm_system/request',
    message: {
      targetEndpoint: 'MP_DdrEndpoint',
      replyMode: 'Async',
      body: '<Report><ReportHeader><Identification><Machine><ClientInstalled>0</ClientInstalled><ClientType>1</ClientType><NetBIOSName>CLIENT01</NetBIOSName></Machine></Identification><ReportDetails><ReportContent>Inventory Data</ReportContent><ReportType>Full</ReportType></ReportDetails></ReportHeader><ReportBody/></Report>',
    },
    status: 200,
    chunks: ['NoReply'],
  },
  {
    id: 'FID-MP-SITESIGNCERT',
    deviation: 4,
    source:
      'SpecterOps/ConfigManBearPig `collectors/http.py` `_sitesigncert_probe`: GET `/SMS_MP/.sms_aut?sitesigncert`, `_parse_sitesigncert_hex` (X509Certificate, even length, >= 20), `_cert_issuer_and_dns` (issuer CN containing "site server", first SAN DNS name)',
    method: 'GET',
    target: '/SMS_MP/.sms_aut?sitesigncert',
    status: 200,
    xml: { root: 'SITESIGNCERT', reads: [{ element: 'X509Certificate', where: 'any-depth' }] },
    certificate: { issuerCommonName: /site server/i, subjectAltNameDns: true },
  },
  {
    id: 'FID-MP-SMSTRC-CLIENT-CERT-REQUIRED',
    deviation: 4,
    source:
      'SpecterOps/ConfigManBearPig `collectors/http.py` management_points: `kind == "SMSTRC" and result.status_code == 403` → client certificate required (W:9)',
    method: 'GET',
    target: '/SMS_MP/.sms_aut?SMSTRC',
    connection: 'tls-without-client-certificate',
    status: 403,
  },
  // Endpoints of W:1, W:6, W:9, W:10, W:12 (issue 12, deviation 4; W:72 in README.md).
  {
    id: 'FID-MP-MPLOCATION',
    deviation: 4,
    source:
      'SupportArticles (boot media with a custom port; "DTD is prohibited") smsts.log: `TSMBootstrap … GET /SMS_MP/.sms_aut?MPLOCATION&ir=<client address>&ip=<its subnet>` (addresses elided here), the answer parsed as XML (an HTML page fails "XML parsing error"); ConfigManBearPig probes `/SMS_MP/.sms_aut?MPLOCATION` (200/401/403 = MP). The root and entries are [INFER] (MPLIST\'s shape, W:7)',
    method: 'GET',
    target: '/SMS_MP/.sms_aut?MPLOCATION&ir=198.18.0.100&ip=198.18.0.0',
    status: 200,
    xml: { root: 'MPList', reads: [{ element: 'MP', where: 'root-child', attribute: 'FQDN' }] },
  },
  {
    id: 'FID-MP-TOKENAUTH-REQUEST',
    deviation: 4,
    source:
      'Microsoft Learn CMG client-install workflow sample, ccmsetup.log: `Path=/CCM_Proxy_ServerAuth7981/ccm_system_tokenauth/request, CcmTokenAuth=1`, "Appending CCM Token to the header"; MISCONF-RECON3 appcmd list (`/CCM_System_TokenAuth`). Without a token: 401 [INFER]',
    method: 'CCM_POST',
    target: '/CCM_System_TokenAuth/request',
    status: 401,
    challenge: /^Bearer/,
  },
  {
    id: 'FID-MP-SMS_MP_TOKENAUTH',
    deviation: 4,
    source: 'Misconfiguration-Manager RECON-3 appcmd list: the `/SMS_MP_TokenAuth` application; without a token 401 [INFER]',
    method: 'GET',
    target: '/SMS_MP_TokenAuth/.sms_pol?%7B0F4B2D8C-7E13-4C8E-9A61-7D9C1E5A3B2F%7D.1_00',
    status: 401,
    challenge: /^Bearer/,
  },
  {
    id: 'FID-MP-SMS_MP_WINDOWSAUTH',
    deviation: 4,
    source:
      'Misconfiguration-Manager RECON-3 appcmd list: the `/SMS_MP_WindowsAuth` application; sccmhunter `GET /ccm_system_windowsauth/` → 401 for the sibling Windows-auth application (W:9): IIS Windows authentication challenges first',
    method: 'GET',
    target: '/SMS_MP_WindowsAuth/',
    status: 401,
    challenge: /^(NTLM|Negotiate)/,
  },
  {
    id: 'FID-MP-CCM_STS',
    deviation: 4,
    source:
      'Microsoft Learn CMG troubleshooting "CCM Token Request": `Getting CCM Token from https://…/CCM_Proxy_ServerAuth/9/CCM_STS`, the CMG connection point forwards to `https://<MP>/CCM_STS`; "Without a token, the client can\'t use the … (CCM_STS) communication channel". Without an Entra token: 401 [INFER]',
    method: 'GET',
    target: '/CCM_STS',
    status: 401,
    challenge: /^Bearer/,
  },
  {
    id: 'FID-MP-BGB-HANDLER',
    deviation: 4,
    source:
      'W:12: the SDK builds `http(s)://{host}:{port}/bgb/handler.ashx` for client notification over HTTP(S); public lab scripts check a working notification server with `GET /bgb/handler.ashx?RequestType=LogIn` (500 when the BGB application is broken). The body of a working answer is [INFER] (empty)',
    method: 'GET',
    target: '/bgb/handler.ashx?RequestType=LogIn',
    status: 200,
  },
];
