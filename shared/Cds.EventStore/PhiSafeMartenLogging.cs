using Marten;
using Microsoft.Extensions.Logging;

namespace Cds.EventStore;

/// <summary>Puts <see cref="PhiSafeMartenLogger"/> in place of Marten's default logger.</summary>
internal sealed class PhiSafeMartenLogging(ILoggerFactory loggers) : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Logger(new PhiSafeMartenLogger(loggers.CreateLogger(PhiSafeMartenLogger.Category)));
    }
}
