// The SMART app behind the cards on :5083: /smart/launch (EHR launch), /smart/standalone, /smart/callback, /smart/card.
await Cds.Smart.SmartHost.Build(args).RunAsync();
