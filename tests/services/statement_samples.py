"""Bank statement files of the statement tests: a small camt.053.001.02 statement as a Danish
bank sends it (two credits naming invoice numbers, a debit, a reversal), a camt.053.001.08
one, and CSV exports."""

CAMT_02 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>STMT-2026-04-10-001</MsgId>
      <CreDtTm>2026-04-10T18:00:00</CreDtTm>
    </GrpHdr>
    <Stmt>
      <Id>2026-04-10-DK</Id>
      <ElctrncSeqNb>97</ElctrncSeqNb>
      <CreDtTm>2026-04-10T18:00:00</CreDtTm>
      <Acct>
        <Id><IBAN>DK5000400440116243</IBAN></Id>
        <Ccy>DKK</Ccy>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="DKK">100000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-04-09</Dt></Dt>
      </Bal>
      <Ntry>
        <NtryRef>1</NtryRef>
        <Amt Ccy="{ccy}">{amount1}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-04-10</Dt></BookgDt>
        <ValDt><Dt>2026-04-10</Dt></ValDt>
        <AcctSvcrRef>DK-20260410-0001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="{ccy}">{amount1}</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>Nordisk Byg A/S</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>Betaling faktura {ref1}</Ustrd><Ustrd>tak</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="DKK">1200.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-04-10</Dt></BookgDt>
        <AcctSvcrRef>DK-20260410-0002</AcctSvcrRef>
        <AddtlNtryInf>Husleje april</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="{ccy}">{amount2}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-04-10</Dt></BookgDt>
        <AcctSvcrRef>DK-20260410-0003</AcctSvcrRef>
        <NtryDtls>
          <TxDtls>
            <RltdPties><Dbtr><Nm>Kunde ApS</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>{ref2}</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="DKK">500.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-04-10</Dt></BookgDt>
        <AcctSvcrRef>DK-20260410-0004</AcctSvcrRef>
        <AddtlNtryInf>Tilbageført overførsel</AddtlNtryInf>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def camt_02(amount1="8906.25", ref1="2026-0001", amount2="100.00", ref2="2026-0002",
            ccy="DKK") -> bytes:
    return CAMT_02.format(amount1=amount1, ref1=ref1, amount2=amount2, ref2=ref2,
                          ccy=ccy).encode()


CAMT_08 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MY-0001</MsgId><CreDtTm>2026-04-11T09:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>MY-STMT-1</Id>
      <Acct><Id><IBAN>MY12MBBE0000012345678</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="DKK">250.50</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2026-04-11T08:30:00+08:00</DtTm></BookgDt>
        <ValDt><Dt>2026-04-11</Dt></ValDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-77</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>Syarikat Maju Sdn Bhd</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Ustrd>Bayaran invois</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""
