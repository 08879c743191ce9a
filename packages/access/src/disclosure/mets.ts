/**
 * The root METS of a DIP (E-ARK DIP 2.2 over CSIP): OBJID of its own (DIP1), the DIP profile (DIP2),
 * OAISPACKAGETYPE "DIP" (DIP3), the manifest as descriptive metadata, and a fileSec in which every file
 * carries its size, MIME type and SHA-256, so the package checks itself without Bevara.
 */
export interface DipFile {
  /** Path inside the package root, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
  mimeType: string;
}

export const DIP_PROFILE = 'https://earkdip.dilcis.eu/profile/E-ARK-DIP.xml';

export function dipMets(input: { objid: string; label: string; created: string; manifest: DipFile; documentation: DipFile[]; data: DipFile[] }): string {
  const file = (f: DipFile, id: string): string =>
    `      <mets:file ID="${id}" MIMETYPE="${esc(f.mimeType)}" SIZE="${f.size}" CREATED="${input.created}" CHECKSUM="${f.sha256}" CHECKSUMTYPE="SHA-256">\n` +
    `        <mets:FLocat LOCTYPE="URL" xlink:type="simple" xlink:href="${esc(encodeURI(f.path))}"/>\n      </mets:file>\n`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd"
  OBJID="${esc(input.objid)}" LABEL="${esc(input.label)}" TYPE="Mixed" csip:CONTENTINFORMATIONTYPE="MIXED" PROFILE="${DIP_PROFILE}">
  <mets:metsHdr CREATEDATE="${input.created}" RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="DIP">
    <mets:agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE"><mets:name>Bevara</mets:name><mets:note csip:NOTETYPE="SOFTWARE VERSION">0.1.0</mets:note></mets:agent>
  </mets:metsHdr>
  <mets:dmdSec ID="dmd-manifest" CREATED="${input.created}" STATUS="CURRENT">
    <mets:mdRef LOCTYPE="URL" xlink:type="simple" xlink:href="${esc(input.manifest.path)}" MDTYPE="OTHER" OTHERMDTYPE="bevara-dip-manifest" MIMETYPE="application/json" SIZE="${input.manifest.size}" CREATED="${input.created}" CHECKSUM="${input.manifest.sha256}" CHECKSUMTYPE="SHA-256"/>
  </mets:dmdSec>
  <mets:fileSec ID="filesec">
    <mets:fileGrp ID="grp-documentation" USE="Documentation">
${input.documentation.map((f, i) => file(f, `doc-${i + 1}`)).join('')}    </mets:fileGrp>
    <mets:fileGrp ID="grp-rep1" USE="Representations/rep1">
${input.data.map((f, i) => file(f, `file-${i + 1}`)).join('')}    </mets:fileGrp>
  </mets:fileSec>
  <mets:structMap ID="structmap" TYPE="PHYSICAL" LABEL="CSIP">
    <mets:div ID="root" LABEL="${esc(input.objid)}">
      <mets:div ID="div-metadata" LABEL="Metadata" DMDID="dmd-manifest"/>
      <mets:div ID="div-documentation" LABEL="Documentation">
${input.documentation.map((_, i) => `        <mets:fptr FILEID="doc-${i + 1}"/>\n`).join('')}      </mets:div>
      <mets:div ID="div-rep1" LABEL="Representations/rep1">
${input.data.map((_, i) => `        <mets:fptr FILEID="file-${i + 1}"/>\n`).join('')}      </mets:div>
    </mets:div>
  </mets:structMap>
</mets:mets>
`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
