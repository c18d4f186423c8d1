using System.Text;
using Cds.EventStore;
using Cds.Hooks.Requests;

namespace Cds.Hooks.Tests.Requests;

public sealed class FeedbackTests
{
    private static FeedbackReadResult Read(string json, string? service = "drug-allergy") => FeedbackReader.Read(Encoding.UTF8.GetBytes(json), service);

    private static FeedbackItem Single(string file)
    {
        var result = Read(SharedExamples.Read("cds-hooks/examples/" + file));
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        return Assert.Single(result.Items);
    }

    [Fact]
    public void Spec_accepted_suggestion()
    {
        var item = Single("spec2.0-feedback-accepted.json");
        Assert.Equal("4e0a3a1e-3283-4575-ab82-028d55fe2719", item.Card);
        Assert.Equal(FeedbackOutcomes.Accepted, item.Outcome);
        Assert.Equal(["e56e1945-20b3-4393-8503-a1a20fd73152"], item.AcceptedSuggestionIds);
        Assert.Equal(new DateTimeOffset(2021, 12, 11, 10, 5, 31, TimeSpan.Zero), item.OutcomeTimestamp);
        Assert.Empty(item.OverrideReasons);
    }

    [Fact]
    public void Spec_overridden_with_reason()
    {
        var reason = Assert.Single(Single("spec2.0-feedback-overridden-with-reason.json").OverrideReasons);
        Assert.Equal("d7ecf885", reason.Code);
        Assert.Equal("https://example.com/cds-hooks/override-reason-system", reason.System);
        Assert.Equal("A comment entered by the clinician.", reason.UserComment);
    }

    [Fact]
    public void Epic_plural_overrideReasons_with_non_uuid_card()
    {
        var item = Single("epic-feedback-overridden-with-reason.json");
        Assert.Equal("123456", item.Card);
        Assert.Equal(FeedbackOutcomes.Overridden, item.Outcome);
        var reason = Assert.Single(item.OverrideReasons);
        Assert.Equal("contraindicated", reason.Code);
        Assert.Equal("bad", reason.BestDisplay);
        Assert.Equal("User Entered Free Text", reason.UserComment);
    }

    [Fact]
    public void Epic_reason_as_extension_keys()
    {
        var reason = Assert.Single(Single("epic-feedback-overridden-with-epic-extension.json").OverrideReasons);
        Assert.Null(reason.Code);
        Assert.Equal("45", reason.EpicCategory);
        Assert.Equal("Does not meet criteria", reason.BestDisplay);
        Assert.Equal(3, reason.Extension.Count);
    }

    [Fact]
    public void Epic_accepted_with_placeholder_suggestion_id()
    {
        var item = Single("epic-feedback-accepted.json");
        Assert.Equal(["replaceWithGUID"], item.AcceptedSuggestionIds);
    }

    [Fact]
    public void Batch_of_items_and_batches_of_bodies()
    {
        var batch = Read("""
            {"feedback":[
              {"card":"a","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],"outcomeTimestamp":"2024-01-01T10:00:00Z"},
              {"card":"b","outcome":"Overridden","outcomeTimestamp":"2024-01-01T10:00:01+01:00","extension":{"com.epic.x":"1"}}
            ]}
            """);
        Assert.True(batch.Succeeded, string.Join("; ", batch.Problems));
        Assert.Equal(2, batch.Items.Count);
        Assert.Equal(FeedbackOutcomes.Overridden, batch.Items[1].Outcome);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 9, 0, 1, TimeSpan.Zero), batch.Items[1].OutcomeTimestamp);
        Assert.Equal("1", batch.Items[1].Extension["com.epic.x"]);

        var arrayOfBodies = Read("""
            [{"feedback":[{"card":"a","outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z"}]},
             {"feedback":[{"card":"b","outcome":"overridden","outcomeTimestamp":"2024-01-01T10:00:00Z"}]}]
            """);
        Assert.Equal(["a", "b"], arrayOfBodies.Items.Select(i => i.Card));

        var arrayOfItems = Read("""[{"card":"a","outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z"}]""");
        Assert.Single(arrayOfItems.Items);

        var singleObject = Read("""{"feedback":{"card":"a","outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z"}}""");
        Assert.Single(singleObject.Items);
    }

    [Fact]
    public void Idempotency_key_is_stable_and_discriminating()
    {
        const string a = """{"feedback":[{"card":"c","outcome":"accepted","acceptedSuggestions":[{"id":"s2"},{"id":"s1"}],"outcomeTimestamp":"2024-01-01T10:00:00Z"}]}""";
        const string sameDifferentOrderAndZone = """{"feedback":[{"outcomeTimestamp":"2024-01-01T11:00:00+01:00","acceptedSuggestions":[{"id":"s1"},{"id":"s2"}],"outcome":"ACCEPTED","card":"c"}]}""";
        var key = Read(a).Items[0].IdempotencyKey;
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Equal(key, Read(a).Items[0].IdempotencyKey);
        Assert.Equal(key, Read(sameDifferentOrderAndZone).Items[0].IdempotencyKey);
        Assert.NotEqual(key, Read(a.Replace("10:00:00Z", "10:00:01Z", StringComparison.Ordinal)).Items[0].IdempotencyKey);
        Assert.NotEqual(key, Read(a.Replace("\"s2\"", "\"s3\"", StringComparison.Ordinal)).Items[0].IdempotencyKey);
        Assert.NotEqual(key, Read(a.Replace("\"card\":\"c\"", "\"card\":\"d\"", StringComparison.Ordinal)).Items[0].IdempotencyKey);
        Assert.NotEqual(key, Read(a, service: "other-service").Items[0].IdempotencyKey);
        Assert.NotEqual(
            FeedbackReader.IdempotencyKey(null, "ab", "accepted", DateTimeOffset.UnixEpoch, ["c"]),
            FeedbackReader.IdempotencyKey(null, "a", "accepted", DateTimeOffset.UnixEpoch, ["bc"]));
    }

    public static TheoryData<string, string> BadFeedback() => new()
    {
        { "", "$" },
        { "{", "$" },
        { "{}", "feedback" },
        { """{"feedback":"x"}""", "feedback" },
        { """{"feedback":[]}""", "feedback" },
        { """{"feedback":[5]}""", "feedback[0]" },
        { """{"feedback":[{"outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z"}]}""", "feedback[0].card" },
        { """{"feedback":[{"card":7,"outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z"}]}""", "feedback[0].card" },
        { """{"feedback":[{"card":"c","outcome":"ignored","outcomeTimestamp":"2024-01-01T10:00:00Z"}]}""", "feedback[0].outcome" },
        { """{"feedback":[{"card":"c","outcome":"accepted"}]}""", "feedback[0].outcomeTimestamp" },
        { """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"yesterday"}]}""", "feedback[0].outcomeTimestamp" },
        { """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z","acceptedSuggestions":["s1"]}]}""", "feedback[0].acceptedSuggestions" },
        { """{"feedback":[{"card":"c","outcome":"overridden","outcomeTimestamp":"2024-01-01T10:00:00Z","overrideReason":"bad"}]}""", "feedback[0].overrideReason" },
    };

    [Theory]
    [MemberData(nameof(BadFeedback))]
    public void Bad_feedback_is_a_problem_with_its_path(string json, string path)
    {
        var result = Read(json);
        Assert.False(result.Succeeded);
        Assert.Equal(400, result.StatusCode);
        Assert.True(result.Problems.Any(p => p.Path == path), string.Join("; ", result.Problems));
    }

    [Fact]
    public void Good_items_of_a_partly_bad_batch_are_still_returned()
    {
        var result = Read("""{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2024-01-01T10:00:00Z"},{"card":"d"}]}""");
        Assert.False(result.Succeeded);
        Assert.Equal("c", Assert.Single(result.Items).Card);
    }

    [Fact]
    public async Task Oversized_feedback_is_413()
    {
        var json = Encoding.UTF8.GetBytes(SharedExamples.Read("cds-hooks/examples/spec2.0-feedback-accepted.json"));
        var result = await FeedbackReader.ReadAsync(new MemoryStream(json), "s", new HookRequestReaderOptions { MaxBodyBytes = 50 });
        Assert.Equal(413, result.StatusCode);
        var ok = await FeedbackReader.ReadAsync(new MemoryStream(json), "s");
        Assert.True(ok.Succeeded);
    }
}
