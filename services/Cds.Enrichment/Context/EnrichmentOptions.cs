namespace Cds.Enrichment.Context;

public sealed class EnrichmentOptions
{
    public const string Section = "Enrichment";

    /// <summary>How long a patient context read from Epic is reused ("warm") for the next hooks of the same patient.</summary>
    public TimeSpan WarmContextTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// At order-select and order-sign, the oldest a warm context may be and still decide a safety card; an older one is
    /// read again from Epic within the hook's deadline. When that read fails or runs out of time, the older context is
    /// used (up to <see cref="WarmContextTtl"/>), its age recorded and shown on the cards.
    /// </summary>
    public TimeSpan OrderTimeMaxAge { get; set; } = TimeSpan.FromSeconds(60);
}
