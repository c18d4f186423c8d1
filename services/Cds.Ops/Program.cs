// `dotnet Cds.Ops.dll <command>`: the ops CLI (queues, errors, timeline, tenants check).
// `dotnet Cds.Ops.dll serve` (or no arguments): the dashboard on :5090.
return await Cds.Ops.OpsHost.RunAsync(args);
