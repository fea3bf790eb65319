/** Charts: from a directory, the webapp builder or a TypeScript module, to a reproducible archive. */
export { packageChartFor, chartFilesFor } from "./package-for.ts";
export { packageChart, packageChartDirectory, writeChartPackage, type PackageOptions, type PackagedChart } from "./package.ts";
export { readChartDirectory } from "./read-directory.ts";
export { webappChart } from "./webapp/webapp.ts";
export { moduleChart, type ChartModuleInput } from "./module-chart.ts";
export { IMAGE_VALUES_ANNOTATION } from "./values.ts";
export type { ChartFile, ChartFiles } from "./chart-files.ts";
