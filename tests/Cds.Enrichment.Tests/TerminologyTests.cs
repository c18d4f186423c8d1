using Cds.Contracts;
using Cds.Rules;
using Xunit;

namespace Cds.Enrichment.Tests;

public sealed class TerminologyTests
{
    [Theory]
    [InlineData("4548-4")]
    [InlineData("17856-6")]
    [InlineData("2823-3")]
    [InlineData("6298-4")]
    [InlineData("33914-3")]
    [InlineData("62238-1")]
    [InlineData("98979-8")]
    [InlineData("48642-3")]
    [InlineData("48643-1")]
    [InlineData("2160-0")]
    public void Known_loinc_codes_pass_the_check_digit(string code) => Assert.True(Terminology.IsValidLoinc(code));

    [Theory]
    [InlineData("4548-5")]
    [InlineData("4548")]
    [InlineData("45A8-4")]
    [InlineData("-4")]
    public void Malformed_loinc_codes_fail(string code) => Assert.False(Terminology.IsValidLoinc(code));

    [Theory]
    [InlineData("91936005")]
    [InlineData("764146007")]
    [InlineData("373270004")]
    [InlineData("294505008")]
    [InlineData("372687004")]
    [InlineData("44054006")]
    [InlineData("431857002")]
    public void Known_snomed_concepts_pass_verhoeff(string code) => Assert.True(Terminology.IsValidSctId(code));

    [Theory]
    [InlineData("91936006")]  // check digit
    [InlineData("44054016")]  // partition 01 (description), not a concept
    [InlineData("12345")]
    [InlineData("0123456")]
    public void Malformed_snomed_ids_fail(string code) => Assert.False(Terminology.IsValidSctId(code));

    [Fact]
    public void Icd10_prefix_matches_children_with_or_without_dot_but_not_siblings()
    {
        var e11 = new CodePattern(CodeSystems.Icd10Cm, "E11", Prefix: true);

        Assert.True(e11.Matches(new ClinicalCode(CodeSystems.Icd10Cm, "E11.9")));
        Assert.True(e11.Matches(new ClinicalCode(CodeSystems.Icd10Cm, "e1165")));
        Assert.True(e11.Matches(new ClinicalCode("urn:oid:2.16.840.1.113883.6.90", "E11.65")));
        Assert.False(e11.Matches(new ClinicalCode(CodeSystems.Icd10Cm, "E10.9")));
        Assert.False(e11.Matches(new ClinicalCode(CodeSystems.Snomed, "E11")));
    }

    [Fact]
    public void Exact_codes_need_the_same_system()
    {
        var amoxicillin = new CodePattern(CodeSystems.RxNorm, "723");

        Assert.True(amoxicillin.Matches(new ClinicalCode(CodeSystems.RxNorm, " 723 ")));
        Assert.True(amoxicillin.Matches(new ClinicalCode("urn:oid:2.16.840.1.113883.6.88", "723")));
        Assert.False(amoxicillin.Matches(new ClinicalCode(CodeSystems.Snomed, "723")));
        Assert.False(amoxicillin.Matches(new ClinicalCode("", "723")));
        Assert.False(amoxicillin.Matches(new ClinicalCode(CodeSystems.RxNorm, "7230")));
    }

    [Theory]
    [InlineData("E11", true, true)]
    [InlineData("E11.9", false, true)]
    [InlineData("E1", true, false)]
    [InlineData("11.9", false, false)]
    [InlineData("E11.", false, false)]
    public void Icd10_format(string code, bool prefix, bool valid) => Assert.Equal(valid, Terminology.IsValidIcd10Cm(code, prefix));
}
