using Cds.Contracts;
using Cds.Fhir.Smart;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// Every card we send carries one <c>smart</c> link to the explanation app (<c>services/Cds.Smart</c>): Epic launches
/// <see cref="SmartAppOptions.LaunchUrl"/> with <c>launch</c> and <c>iss</c> and hands the link's <c>appContext</c> to the
/// app in its token response. The context is sealed (<see cref="SmartAppContext"/>): it names the tenant, hookInstance
/// and card and cannot be edited. Applied where the answer is written, after it is recorded, so the stored cards stay
/// what the rules produced and a replayed hook gets a fresh link.
/// </summary>
public static class SmartLinks
{
    /// <summary>The cards with the link added (unchanged when no launch URL or key is configured).</summary>
    public static IReadOnlyList<Card> Attach(IReadOnlyList<Card> cards, SmartAppOptions options, string tenant, string hookInstance, DateTimeOffset now)
    {
        if (!options.IssuesLinks || cards.Count == 0)
        {
            return cards;
        }
        return [.. cards.Select(card => card with
        {
            Links = [.. (card.Links ?? []).Where(l => l.Url != options.LaunchUrl), new Link
            {
                Label = options.LinkLabel,
                Url = options.LaunchUrl!,
                Type = "smart",
                AppContext = SmartAppContext.Seal(new CardReference(tenant, hookInstance, card.Uuid, now), options.AppContextKey!),
            }],
        })];
    }

    /// <summary>The one call the hook endpoint makes: options and clock from the request's services.</summary>
    public static IReadOnlyList<Card> Attach(IReadOnlyList<Card> cards, HttpContext http, string tenant, string hookInstance) =>
        Attach(cards, http.RequestServices.GetRequiredService<IOptions<SmartAppOptions>>().Value, tenant, hookInstance,
            http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());

    public static IServiceCollection AddSmartLinks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmartAppOptions>().Bind(configuration.GetSection(SmartAppOptions.Section))
            .Validate(o => string.IsNullOrWhiteSpace(o.LaunchUrl) || o.IssuesLinks,
                $"{SmartAppOptions.Section}:AppContextKey must be a base64 32-byte key when {SmartAppOptions.Section}:LaunchUrl is set")
            .Validate(o => string.IsNullOrWhiteSpace(o.LaunchUrl) || Uri.TryCreate(o.LaunchUrl, UriKind.Absolute, out _),
                $"{SmartAppOptions.Section}:LaunchUrl must be an absolute URL (what the health system registers in Epic)")
            .ValidateOnStart();
        return services;
    }
}
