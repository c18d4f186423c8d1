using Cds.Fhir.Configuration;
using Cds.ServiceDefaults;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

/// <summary>The write-back retry schedule must outlast Epic's bad minutes and stay within RabbitMQ's ack timeout.</summary>
public sealed class RetryScheduleTests
{
    private static readonly TimeSpan[] Schedule =
        BusExtensions.ParseSchedule(FeedbackRecordedConsumer.Endpoint, FeedbackRecordedConsumer.DefaultRetrySchedule);

    [Fact]
    public void The_default_schedule_waits_out_several_circuit_breaker_breaks()
    {
        var total = Schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        var breaker = new FhirResilienceOptions().BreakerBreakDuration;
        Assert.True(total >= breaker * 10, $"{total} of retries is not much longer than a {breaker} breaker break");
        // Several attempts fall after the first break, so a breaker that re-opens once is survived too.
        Assert.True(Schedule.Count(i => i >= breaker) >= 4);
    }

    [Fact]
    public void The_default_schedule_ends_well_before_RabbitMQs_consumer_timeout()
    {
        var total = Schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        Assert.True(total + new FhirResilienceOptions().TotalTimeout * (Schedule.Length + 1) < TimeSpan.FromMinutes(30),
            $"{total} of waits plus the attempts would hold the message past RabbitMQ's 30 min consumer_timeout");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("00:00:01,soon")]
    [InlineData("-00:00:01")]
    public void A_bad_schedule_is_refused_at_start_up_with_the_setting_named(string schedule)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => BusExtensions.ParseSchedule("writeback-feedback-recorded", schedule));
        Assert.Contains("Bus:RetrySchedules:writeback-feedback-recorded", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_is_read_in_order_with_spaces_allowed() =>
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2)],
            BusExtensions.ParseSchedule("e", "00:00:00.100, 00:00:05 ,00:02:00"));
}
