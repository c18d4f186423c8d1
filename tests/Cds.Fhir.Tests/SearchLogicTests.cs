using Cds.Fhir.Patients;
using Cds.Fhir.Search;
using Hl7.Fhir.Model;
using Xunit;

namespace Cds.Fhir.Tests;

/// <summary>Paging rules, Epic's search guard and must-support-tolerant parsing, without HTTP.</summary>
public sealed class SearchLogicTests
{
    private static Bundle Page(int observations, bool next, params Resource[] extra)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = 999 };
        for (var i = 0; i < observations; i++)
        {
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = new Observation { Id = $"o{i}" }, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }

        foreach (var r in extra)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = r,
                Search = new Bundle.SearchComponent { Mode = r is OperationOutcome ? Bundle.SearchEntryMode.Outcome : Bundle.SearchEntryMode.Include },
            });
        }

        if (next)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = "https://epic.example/api/FHIR/R4/Observation?sessionID=opaque" });
        }

        return bundle;
    }

    [Fact]
    public void Outcomes_and_includes_are_kept_apart_from_data()
    {
        var acc = new SearchAccumulator<Observation>(new SearchLimits(10, 100, 1_000_000));
        var outcome = new OperationOutcome();
        outcome.Issue.Add(new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Warning,
            Code = OperationOutcome.IssueType.Processing,
            Details = new CodeableConcept("urn:oid:1.2.840.114350.1.13.0.1.7.2.657369", "59204"),
        });
        Assert.False(acc.Add(Page(3, next: false, outcome, new Patient { Id = "p" })));
        var result = acc.Build(123);
        Assert.Equal(3, result.Resources.Count);
        Assert.Single(result.Outcomes);
        Assert.Equal(["59204"], result.OutcomeCodes);
        Assert.IsType<Patient>(Assert.Single(result.Included));
        Assert.False(result.Truncated);
        Assert.Equal(123, result.Bytes);
        Assert.Equal(999, result.Total);
    }

    [Fact]
    public void Epic_no_results_bundle_is_empty_not_data()
    {
        var acc = new SearchAccumulator<Observation>(new SearchLimits(10, 100, 1_000_000));
        var outcome = new OperationOutcome();
        outcome.Issue.Add(new OperationOutcome.IssueComponent { Details = new CodeableConcept("urn:oid:1.2.840.114350.1.13.0.1.7.2.657369", "4101") });
        acc.Add(Page(0, next: false, outcome));
        var result = acc.Build(0);
        Assert.True(result.IsEmpty);
        Assert.Equal(["4101"], result.OutcomeCodes);
    }

    [Fact]
    public void Stops_at_max_pages_when_a_next_link_remains()
    {
        var acc = new SearchAccumulator<Observation>(new SearchLimits(2, 100, 1_000_000));
        Assert.True(acc.Add(Page(5, next: true)));
        Assert.False(acc.Add(Page(5, next: true)));
        var result = acc.Build(0);
        Assert.True(result.Truncated);
        Assert.Equal(TruncationReason.MaxPages, result.TruncationReason);
        Assert.Equal(10, result.Resources.Count);
        Assert.Equal(2, result.Pages);
    }

    [Fact]
    public void Last_page_without_next_link_is_not_truncated_even_at_the_page_cap()
    {
        var acc = new SearchAccumulator<Observation>(new SearchLimits(2, 100, 1_000_000));
        acc.Add(Page(5, next: true));
        Assert.False(acc.Add(Page(5, next: false)));
        Assert.False(acc.Build(0).Truncated);
    }

    [Fact]
    public void Cuts_at_max_resources_within_a_page()
    {
        var acc = new SearchAccumulator<Observation>(new SearchLimits(10, 7, 1_000_000));
        Assert.True(acc.Add(Page(5, next: true)));
        Assert.False(acc.Add(Page(5, next: true)));
        var result = acc.Build(0);
        Assert.Equal(7, result.Resources.Count);
        Assert.Equal(TruncationReason.MaxResources, result.TruncationReason);
    }

    [Fact]
    public void Exactly_max_resources_with_more_announced_is_truncated()
    {
        var acc = new SearchAccumulator<Observation>(new SearchLimits(10, 5, 1_000_000));
        Assert.False(acc.Add(Page(5, next: true)));
        Assert.Equal(TruncationReason.MaxResources, acc.Build(0).TruncationReason);
    }

    [Theory]
    [InlineData("patient")]
    [InlineData("category")]
    [InlineData("code")]
    [InlineData("date")]
    public void Observation_search_without_patient_and_category_or_code_is_refused(string only)
    {
        var ex = Assert.Throws<EpicSearchRejectedException>(() =>
            SearchGuard.CheckEpicRules("t", "Observation", [new(only, "x")]));
        Assert.Contains("Epic refuses Observation searches without 'patient' and one of 'category' or 'code'", ex.Message);
        Assert.Null(ex.StatusCode);
        Assert.DoesNotContain("=x", ex.Message);
    }

    [Fact]
    public void Observation_search_with_patient_and_code_or_category_passes()
    {
        SearchGuard.CheckEpicRules("t", "Observation", [new("patient", "p"), new("code", "http://loinc.org|4548-4")]);
        SearchGuard.CheckEpicRules("t", "Observation", [new("patient", "p"), new("category:text", "laboratory")]);
    }

    [Fact]
    public void Unsupported_parameters_are_refused_with_the_override_to_add()
    {
        var supported = SearchGuard.Supported(null, "Condition", new Dictionary<string, List<string>> { ["Condition"] = ["patient", "category"] });
        SearchGuard.CheckSupported("t", "Condition", [new("patient", "p"), new("_count", "50")], supported);
        var ex = Assert.Throws<EpicSearchRejectedException>(() =>
            SearchGuard.CheckSupported("t", "Condition", [new("patient", "p"), new("onset-date", "2020")], supported));
        Assert.Contains("'onset-date'", ex.Message);
        Assert.Contains("Tenants:t:Search:SupportedParameters:Condition", ex.Message);
    }

    [Fact]
    public void Capability_statement_and_overrides_are_merged()
    {
        var cs = new CapabilityStatement();
        var rest = new CapabilityStatement.RestComponent { Mode = CapabilityStatement.RestfulCapabilityMode.Server };
        var resource = new CapabilityStatement.ResourceComponent { Type = "Observation" };
        resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = "patient" });
        resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = "code" });
        rest.Resource.Add(resource);
        cs.Rest.Add(rest);
        var supported = SearchGuard.Supported(cs, "Observation", new Dictionary<string, List<string>> { ["Observation"] = ["category"] })!;
        Assert.Equal(["category", "code", "patient"], supported.Order(StringComparer.Ordinal));
        Assert.Empty(SearchGuard.Supported(cs, "Immunization", new Dictionary<string, List<string>>())!);
        Assert.Null(SearchGuard.Supported(null, "Immunization", new Dictionary<string, List<string>>()));
    }

    [Theory]
    [InlineData(">60", 60)]
    [InlineData("< 0.5", 0.5)]
    [InlineData("10.2 %", 10.2)]
    [InlineData("25", 25)]
    public void Lab_values_given_as_text_are_read(string text, double expected) =>
        Assert.Equal((decimal)expected, PatientContextMapper.ParseNumber(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pending")]
    public void Missing_or_unreadable_values_are_null(string? text) => Assert.Null(PatientContextMapper.ParseNumber(text));

    [Fact]
    public void Partial_fhir_dates_are_read_and_garbage_is_null()
    {
        Assert.Equal(new DateOnly(1970, 1, 1), PatientContextMapper.ParseDate("1970"));
        Assert.Equal(new DateOnly(1970, 5, 1), PatientContextMapper.ParseDate("1970-05"));
        Assert.Equal(new DateOnly(1970, 5, 17), PatientContextMapper.ParseDate("1970-05-17"));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)), PatientContextMapper.ParseDateTime("2024-01-02T03:04:05-05:00"));
        Assert.Null(PatientContextMapper.ParseDateTime("yesterday"));
        Assert.Null(PatientContextMapper.ParseDateTime(null));
    }
}
