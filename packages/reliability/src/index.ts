export { type FigureSection, RESULTS_DIR, recordFigures } from "./figures.js";
